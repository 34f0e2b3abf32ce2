/**
 * File content in a one-line error message: a `type` file full of binary
 * garbage must not put 4 KB of raw bytes, escape sequences or newlines on the
 * user's terminal.
 *
 * @example
 *   quote('daemon')           // 'daemon'  (with the quotes)
 *   quote('\x1b[31mred\n')    // '\u001b[31mred\n'  (escaped as JSON escapes them)
 */

/** How many characters of content a message quotes at most. */
export const QUOTE_MAX = 60;

/**
 * `text` in single quotes, its control characters, `\` and `'` escaped as in
 * JSON (`\n`, `\u001b`, `\\`, `\'`), and characters that change how a line
 * reads escaped too (see UNSAFE); `\ufffd` marks a byte that was not UTF-8
 * (the decoder replaced it). Cut after QUOTE_MAX characters, with `...` after
 * the closing quote saying so.
 */
export function quote(text: string): string {
  let out = "'";
  let count = 0;
  for (const ch of text) {
    if (count++ === QUOTE_MAX) return `${out}'...`;
    out += escapeChar(ch);
  }
  return `${out}'`;
}

const SHORT: Record<string, string> = { '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\\': '\\\\', "'": "\\'" };

/**
 * Unicode's "other" characters (controls, format characters such as
 * bidirectional and zero-width marks, unassigned and private-use code points,
 * lone surrogates), line and paragraph separators, and the replacement character.
 */
const UNSAFE = /[\p{C}\p{Zl}\p{Zp}\ufffd]/u;

/** `text` escaped as `quote` escapes it, without the quotes and uncut: for a character or two (an option letter). */
export function escapeText(text: string): string {
  let out = '';
  for (const ch of text) out += escapeChar(ch);
  return out;
}

function escapeChar(ch: string): string {
  const short = SHORT[ch];
  if (short !== undefined) return short;
  if (!UNSAFE.test(ch)) return ch;
  // Each UTF-16 unit as \uXXXX, as JSON writes a character outside the BMP.
  let out = '';
  for (let i = 0; i < ch.length; i++) out += `\\u${ch.charCodeAt(i).toString(16).padStart(4, '0')}`;
  return out;
}
