/**
 * Messages are one line: the CLI's `s6rc: fatal: ...` and the control
 * socket's `error` messages (docs/protocol.md), which name paths and
 * services that may hold any character.
 */

/**
 * Control, format and line-breaking characters (`\p{C}`, `\p{Zl}`, `\p{Zp}`):
 * a path or name in a message may hold any of them (a service directory
 * named `a<newline>b`), and one message must stay one line on the terminal.
 */
const UNPRINTABLE = /[\p{C}\p{Zl}\p{Zp}]/gu;
const SHORT_ESCAPES: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** `message` with every character of UNPRINTABLE escaped as JSON escapes it (`\n`, `\u001b`). */
export function oneLine(message: string): string {
  return message.replace(UNPRINTABLE, (ch) => {
    const short = SHORT_ESCAPES[ch];
    if (short !== undefined) return short;
    let out = '';
    for (let i = 0; i < ch.length; i++) out += `\\u${ch.charCodeAt(i).toString(16).padStart(4, '0')}`;
    return out;
  });
}
