/**
 * The execlineb lexer in TypeScript: turns the text of an `up`/`down` file into
 * the argv that execlineb would build, so oneshots run with no shell and no
 * execline installed (SPEC §1).
 *
 * It follows execline's `el_parse` state machine byte for byte:
 * - words are separated by whitespace (every control character and space);
 * - `#` at the start of a word starts a comment to the end of the line;
 * - a backslash outside quotes makes the next byte literal (`\n` is `n`);
 * - double quotes may start or continue a word (`a"b c"d` is one word);
 *   inside them `\a \b \t \n \v \f \r` are control characters, `\0` + 1-3
 *   octal digits, `\0x` + 1-2 hex digits and `\` + 1-3 decimal digits are
 *   bytes, backslash-newline is removed, and any other escaped byte is itself;
 *   a `\0` not followed by an octal digit or `x` is a syntax error;
 * - a word that is exactly `{` opens a block and a word that is exactly `}`
 *   closes it: every word inside a block of depth d gets d spaces prefixed,
 *   and the closing brace becomes a word of d-1 spaces (an empty word for a
 *   top-level block), which is how execline programs find their blocks;
 * - a NUL byte ends the input.
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

const NUL = 0x00;
const NEWLINE = 0x0a;
const BACKSLASH = 0x5c;
const QUOTE = 0x22;
const HASH = 0x23;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const SPACE = 0x20;

/** execline treats every byte up to and including space, except NUL and newline, as whitespace. */
function isBlank(b: number): boolean {
  return b > NUL && b <= SPACE && b !== NEWLINE;
}

/** `\a \b \t \n \v \f \r` inside quotes: 7..13, in the order execline lists them. */
const CONTROL_ESCAPES = 'abtnvfr';

function isOctal(b: number): boolean {
  return b >= 0x30 && b <= 0x37;
}
function isDecimal(b: number): boolean {
  return b >= 0x30 && b <= 0x39;
}
function isHex(b: number): boolean {
  return isDecimal(b) || (b >= 0x41 && b <= 0x46) || (b >= 0x61 && b <= 0x66);
}

/** Lexes an execline script into its argv (see the module comment for the rules). */
export function lexExecline(input: string | Uint8Array): string[] {
  const bytes = typeof input === 'string' ? Buffer.from(input, 'utf8') : input;
  const words: string[] = [];
  let word: number[] = [];
  let depth = 0;
  let line = 1;
  let i = 0;
  // End of input behaves as a NUL byte, as el_parse's character source does.
  const at = (k: number): number => (k < bytes.length ? bytes[k] : NUL);
  const fail = (what: string): never => {
    throw new ExeclineSyntaxError(what, line);
  };
  const endWord = (): void => {
    words.push(Buffer.from(word).toString('utf8'));
    word = [];
  };
  const startWord = (): void => {
    word = new Array<number>(depth).fill(SPACE);
  };

  for (;;) {
    // START: between words.
    let b = at(i);
    if (b === NUL) break;
    if (b === NEWLINE) line++;
    if (b === NEWLINE || isBlank(b)) {
      i++;
      continue;
    }
    if (b === HASH) {
      while (at(i) !== NUL && at(i) !== NEWLINE) i++;
      continue;
    }
    startWord();
    // A lone `{` or `}` word opens or closes a block.
    if ((b === OPEN_BRACE || b === CLOSE_BRACE) && isWordEnd(at(i + 1))) {
      i++;
      if (b === OPEN_BRACE) {
        if (at(i) === NUL) fail('unexpected end of input after {');
        depth++;
        word = [];
        continue;
      }
      if (depth === 0) fail('unmatched }');
      depth--;
      word = new Array<number>(depth).fill(SPACE);
      endWord();
      continue;
    }
    // W / Q / Q1 / Q2: accumulate one word, possibly with quoted parts.
    for (;;) {
      b = at(i);
      if (b === NUL) break;
      if (b === NEWLINE || isBlank(b)) break;
      i++;
      if (b === BACKSLASH) {
        const next = at(i);
        if (next === NUL) fail('unexpected end of input after a backslash');
        if (next === NEWLINE) line++;
        word.push(next);
        i++;
      } else if (b === QUOTE) {
        i = lexQuoted(bytes, i, word, (l) => (line += l), fail);
      } else {
        word.push(b);
      }
    }
    endWord();
  }
  if (depth > 0) fail('unclosed block: missing }');
  return words;
}

function isWordEnd(b: number): boolean {
  return b === NUL || b === NEWLINE || isBlank(b);
}

/**
 * Reads a quoted part starting after its opening quote, appending bytes to
 * `word`; returns the index after the closing quote.
 */
function lexQuoted(
  bytes: Uint8Array,
  start: number,
  word: number[],
  countLines: (n: number) => void,
  fail: (what: string) => never,
): number {
  const at = (k: number): number => (k < bytes.length ? bytes[k] : NUL);
  let i = start;
  for (;;) {
    const b = at(i++);
    if (b === NUL) fail('unterminated double-quoted string');
    if (b === QUOTE) return i;
    if (b === NEWLINE) countLines(1);
    if (b !== BACKSLASH) {
      word.push(b);
      continue;
    }
    const e = at(i++);
    if (e === NUL) fail('unterminated double-quoted string');
    if (e === NEWLINE) {
      countLines(1); // backslash-newline: a line continuation, removed
      continue;
    }
    const control = CONTROL_ESCAPES.indexOf(String.fromCharCode(e));
    if (control >= 0) {
      word.push(7 + control);
      continue;
    }
    if (e === 0x30 /* 0 */) {
      const f = at(i);
      if (f === 0x78 /* x */) {
        i++;
        if (!isHex(at(i))) fail('\\0x must be followed by a hexadecimal digit');
        i = pushNumber(bytes, i, 16, 2, isHex, word);
      } else if (isOctal(f)) {
        i = pushNumber(bytes, i, 8, 3, isOctal, word);
      } else {
        fail('\\0 must be followed by an octal digit or x');
      }
      continue;
    }
    if (e >= 0x31 && e <= 0x39) {
      i = pushNumber(bytes, i - 1, 10, 3, isDecimal, word);
      continue;
    }
    word.push(e);
  }
}

/** Reads up to `max` digits from `i` and appends the byte they encode (modulo 256, as C's cast does). */
function pushNumber(
  bytes: Uint8Array,
  i: number,
  base: number,
  max: number,
  isDigit: (b: number) => boolean,
  word: number[],
): number {
  let n = 0;
  let len = 0;
  while (len < max && i < bytes.length && isDigit(bytes[i])) {
    n = n * base + parseInt(String.fromCharCode(bytes[i]), 16);
    i++;
    len++;
  }
  word.push(n & 0xff);
  return i;
}
