/**
 * The execlineb lexer in TypeScript: turns the text of an `up`/`down` file into
 * the argv execlineb would build, so oneshots run with no shell and no execline
 * installed (SPEC §1).
 *
 * It is a port of the state machine of execline's `el_parse` (execline 2.9,
 * as shipped by Debian and Ubuntu; a test compares it with the real execlineb),
 * one state per case below:
 * - words are separated by whitespace (space and every control character);
 * - `#` at the start of a word starts a comment to the end of the line;
 * - outside quotes a backslash makes the next byte literal (`\n` is `n`); at the
 *   start of a word, backslash-newline is a line continuation and a backslash
 *   at the very end is ignored;
 * - double quotes may start or continue a word (`a"b c"d` is one word); inside
 *   them `\a \b \t \n \v \f \r` are control characters, `\0` + 1-3 octal
 *   digits, `\0x` + 1-2 hex digits and `\` + 1-3 decimal digits are bytes,
 *   backslash-newline is removed, and any other escaped byte is itself; `\0`
 *   followed by anything else is a syntax error;
 * - a word that is exactly `{` opens a block and a word that is exactly `}`
 *   closes it: every word inside a block of depth d gets d spaces prefixed, and
 *   the closing brace becomes a word of d-1 spaces (an empty word for a
 *   top-level block), which is how execline programs find their blocks;
 * - a NUL byte, like the end of the input, ends the script.
 *
 * @example
 *   lexExecline('foreground { echo "a b" } echo done')
 *   // → ['foreground', ' echo', ' a b', '', 'echo', 'done']
 */

export class ExeclineSyntaxError extends Error {
  constructor(
    message: string,
    /** 1-based line of the offending byte. */
    readonly line: number,
  ) {
    super(message);
    this.name = 'ExeclineSyntaxError';
  }
}

const enum State {
  /** Between words. */
  Start,
  Comment,
  /** After a `{` that began a word. */
  OpenBrace,
  /** After a `}` that began a word. */
  CloseBrace,
  /** In an unquoted word. */
  Word,
  /** After a backslash where a word would begin. */
  EscapeAtStart,
  /** After a backslash in an unquoted word. */
  EscapeInWord,
  /** In a double-quoted string. */
  Quoted,
  /** After a backslash in a double-quoted string. */
  QuotedEscape,
  /** After `\0` in a quoted string: octal digits or `x` must follow. */
  OctalStart,
  /** In the digits of a numeric escape (octal, decimal or hex). */
  Number,
}

const NUL = 0x00;
const NEWLINE = 0x0a;
const SPACE = 0x20;
const QUOTE = 0x22;
const HASH = 0x23;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;

/** Space and every control character but NUL and newline separate words. */
function isBlank(b: number): boolean {
  return b > NUL && b <= SPACE && b !== NEWLINE;
}

/** `\a \b \t \n \v \f \r` inside quotes are the bytes 7 to 13, in this order. */
const CONTROL_ESCAPES = 'abtnvfr';

const DIGITS: Record<8 | 10 | 16, (b: number) => boolean> = {
  8: (b) => b >= 0x30 && b <= 0x37,
  10: (b) => b >= 0x30 && b <= 0x39,
  16: (b) => (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x46) || (b >= 0x61 && b <= 0x66),
};
/** The longest numeric escape: 3 octal or decimal digits, 2 hex digits. */
const MAX_DIGITS: Record<8 | 10 | 16, number> = { 8: 3, 10: 3, 16: 2 };

/** Lexes an execline script into its argv (see the module comment for the rules). */
export function lexExecline(input: string | Uint8Array): string[] {
  const bytes = typeof input === 'string' ? Buffer.from(input, 'utf8') : input;
  const words: string[] = [];
  /** The bytes of the word being built; only an explicit end of word emits it. */
  let word: number[] = [];
  let depth = 0;
  let line = 1;
  let state = State.Start;
  let base: 8 | 10 | 16 = 10;
  let digits = '';
  const fail = (what: string): never => {
    throw new ExeclineSyntaxError(what, line);
  };
  const blockPrefix = (): void => {
    for (let k = 0; k < depth; k++) word.push(SPACE);
  };
  const endWord = (): void => {
    words.push(Buffer.from(word).toString('utf8'));
    word = [];
  };
  /** Ends a numeric escape: its value, modulo 256 as C's cast does, becomes one byte. */
  const flushNumber = (): void => {
    word.push(parseInt(digits, base) & 0xff);
    digits = '';
  };
  const closeBlock = (): void => {
    if (depth === 0) fail('unmatched }');
    depth--;
    word.length -= 2; // the `}` and one level of block prefix
  };

  for (let i = 0; ; i++) {
    const b = i < bytes.length ? bytes[i] : NUL;
    switch (state) {
      case State.Start:
        if (b === NUL) return finish();
        if (b === NEWLINE || isBlank(b)) break;
        if (b === HASH) state = State.Comment;
        else if (b === BACKSLASH) state = State.EscapeAtStart;
        else if (b === QUOTE) {
          blockPrefix();
          state = State.Quoted;
        } else {
          blockPrefix();
          word.push(b);
          state = b === OPEN_BRACE ? State.OpenBrace : b === CLOSE_BRACE ? State.CloseBrace : State.Word;
        }
        break;
      case State.Comment:
        if (b === NUL) return finish();
        if (b === NEWLINE) state = State.Start;
        break;
      case State.OpenBrace:
        if (b === NUL) fail('unexpected end of script after {');
        if (b === NEWLINE || isBlank(b)) {
          depth++;
          word.length -= depth; // the `{` and its block prefix: it is not a word
          state = State.Start;
        } else state = afterWordStart(b);
        break;
      case State.CloseBrace:
        if (b === NUL || b === NEWLINE || isBlank(b)) {
          closeBlock();
          endWord();
          if (b === NUL) return finish();
          state = State.Start;
        } else state = afterWordStart(b);
        break;
      case State.Word:
        if (b === NUL || b === NEWLINE || isBlank(b)) {
          endWord();
          if (b === NUL) return finish();
          state = State.Start;
        } else if (b === QUOTE) state = State.Quoted;
        else if (b === BACKSLASH) state = State.EscapeInWord;
        else word.push(b);
        break;
      case State.EscapeAtStart:
        // A trailing backslash is ignored; backslash-newline joins lines.
        if (b === NUL) return finish();
        if (b === NEWLINE) state = State.Start;
        else {
          blockPrefix();
          word.push(b);
          state = State.Word;
        }
        break;
      case State.EscapeInWord:
        if (b === NUL) fail('unexpected end of script after a backslash');
        word.push(b);
        state = State.Word;
        break;
      case State.Quoted:
        if (b === NUL) fail('unterminated double-quoted string');
        if (b === QUOTE) state = State.Word;
        else if (b === BACKSLASH) state = State.QuotedEscape;
        else word.push(b);
        break;
      case State.QuotedEscape: {
        if (b === NUL) fail('unterminated double-quoted string');
        state = State.Quoted;
        const control = CONTROL_ESCAPES.indexOf(String.fromCharCode(b));
        if (b === NEWLINE) break; // removed: a line continuation
        if (control >= 0) word.push(7 + control);
        else if (b === 0x30) state = State.OctalStart;
        else if (DIGITS[10](b)) {
          base = 10;
          digits = String.fromCharCode(b);
          state = State.Number;
        } else word.push(b);
        break;
      }
      case State.OctalStart:
        if (b === 0x78 /* x */) {
          base = 16;
          const next = i + 1 < bytes.length ? bytes[i + 1] : NUL;
          if (!DIGITS[16](next)) fail('\\0x must be followed by a hexadecimal digit');
          digits = '';
          state = State.Number;
        } else if (DIGITS[8](b)) {
          base = 8;
          digits = String.fromCharCode(b);
          state = State.Number;
        } else fail('\\0 must be followed by an octal digit or x');
        break;
      case State.Number:
        if (digits.length < MAX_DIGITS[base] && DIGITS[base](b)) {
          digits += String.fromCharCode(b);
          break;
        }
        flushNumber();
        // execline ends the word here even without a closing quote.
        if (b === NUL) {
          endWord();
          return finish();
        }
        if (b === QUOTE) state = State.Word;
        else if (b === BACKSLASH) state = State.QuotedEscape;
        else {
          word.push(b);
          state = State.Quoted;
        }
        break;
    }
    if (b === NEWLINE) line++;
  }

  function finish(): string[] {
    if (depth > 0) fail('unclosed block: missing }');
    return words;
  }

  /** After `{` or `}` began a word that turns out to be longer: go on as a word. */
  function afterWordStart(b: number): State {
    if (b === QUOTE) return State.Quoted;
    // execline quirk kept for fidelity: the escaped byte gets the block prefix again.
    if (b === BACKSLASH) return State.EscapeAtStart;
    word.push(b);
    return State.Word;
  }
}
