import { spawnSync } from 'node:child_process';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ExeclineSyntaxError, lexExecline } from '../../store/source/execlineLexer.js';

/** Tricky inputs and the exact argv execlineb builds from them (verified against execlineb below). */
const TABLE: [input: string, argv: string[]][] = [
  ['echo hello world', ['echo', 'hello', 'world']],
  ['  leading   and\ttabs\t ', ['leading', 'and', 'tabs']],
  ['x\ry', ['x', 'y']],
  ['a"b c"d', ['ab cd']],
  ['"" empty ""', ['', 'empty', '']],
  ['"quote \\" inside"', ['quote " inside']],
  ['"backslash \\\\ here"', ['backslash \\ here']],
  ['"\\a\\b\\t\\n\\v\\f\\r"', ['\x07\b\t\n\v\f\r']],
  ['"\\x41"', ['x41']],
  ['"\\0x41\\0x4a\\0x7e"', ['AJ~']],
  ['"\\0x4"', ['\x04']],
  ['"\\0101\\0060"', ['A0']],
  ['"\\01"', ['\x01']],
  ['"\\0123456"', ['S456']],
  ['"\\65\\066x"', ['A6x']],
  ['"\\9"', ['\t']],
  ['"\\1234"', ['{4']],
  ['"\\q\\{\\}"', ['q{}']],
  ['"multi\nline"', ['multi\nline']],
  ['"cont\\\ninued"', ['continued']],
  ['un\\ quoted\\"x', ['un quoted"x']],
  ['back\\nslash', ['backnslash']],
  ['\\{ not a block', ['{', 'not', 'a', 'block']],
  ['foo # comment\nbar', ['foo', 'bar']],
  ['# full line\nbaz', ['baz']],
  ['a#b', ['a#b']],
  ['"#notcomment"', ['#notcomment']],
  ['foreground { echo a } echo b', ['foreground', ' echo', ' a', '', 'echo', 'b']],
  ['if { test -f x } { echo yes }', ['if', ' test', ' -f', ' x', '', ' echo', ' yes', '']],
  ['a { b { c } d } e', ['a', ' b', '  c', ' ', ' d', '', 'e']],
  ['a { { x } }', ['a', '  x', ' ', '']],
  ['{ }', ['']],
  ['x {} y', ['x', '{}', 'y']],
  ['x {a b} c', ['x', '{a', 'b}', 'c']],
  ['a { "}" }', ['a', ' }', '']],
  ['a {\n  b\n}\n', ['a', ' b', '']],
  ['ünïcödé "€uro"', ['ünïcödé', '€uro']],
  ['/bin/sh -c "echo \\"$HOME\\" && exit 0"', ['/bin/sh', '-c', 'echo "$HOME" && exit 0']],
  ['# only a comment', []],
  // execline 2.9 quirks, kept for fidelity:
  ['\\', []], // a trailing backslash where a word would begin is ignored
  ['a \\', ['a']],
  ['\\\nb', ['b']], // backslash-newline between words joins lines
  ['"\\01', ['\x01']], // a numeric escape at the end ends the word, quote or not
  ['"\\0x41', ['A']],
  ['a { }\\x }', ['a', ' } x', '']], // an escape after a leading brace repeats the block prefix
  ['a { }"x" }', ['a', ' }x', '']],
  ['{"x"', ['{x']],
  ['', []],
];

/** Inputs execlineb rejects as syntax errors. */
const ERRORS = ['"unterminated', 'a }', '{ a', 'a {', 'tail\\', '"\\0q"', '"\\0x"', '"\\0"', '"ab\\', 'x {\\\ny }', 'a { {\\x } }'];

/** argv execlineb itself builds for `input`, or null on a syntax error. */
function execlinebArgv(input: string): string[] | null {
  const r = spawnSync('execlineb', ['-Pc', `/usr/bin/printf "%s\\\\0" MARK ${input}`]);
  if (r.status !== 0) return null;
  return r.stdout.toString('utf8').split('\0').slice(1, -1);
}

const haveExeclineb = spawnSync('execlineb', ['-Pc', 'true']).status === 0;

describe('lexExecline', () => {
  it.each(TABLE)('lexes %j', (input, argv) => {
    expect(lexExecline(input)).toEqual(argv);
  });

  it.each(ERRORS)('rejects %j with a syntax error', (input) => {
    expect(() => lexExecline(input)).toThrow(ExeclineSyntaxError);
  });

  it('reports the line of a syntax error', () => {
    try {
      lexExecline('a\nb\n"open');
      expect.unreachable();
    } catch (err) {
      expect((err as ExeclineSyntaxError).line).toBe(3);
    }
  });

  it('stops at a NUL byte as execlineb does', () => {
    expect(lexExecline(Buffer.from('a b\0c d'))).toEqual(['a', 'b']);
  });
});

describe.skipIf(!haveExeclineb)('lexExecline against the real execlineb', () => {
  if (!haveExeclineb) console.warn('skipped: execlineb is not installed (apt install execline)');

  it.each(TABLE)('agrees on %j', (input, argv) => {
    expect(execlinebArgv(input)).toEqual(argv);
  });

  it.each(ERRORS)('agrees that %j is an error', (input) => {
    expect(execlinebArgv(input)).toBeNull();
  });

  it('agrees on random scripts built from tricky characters', () => {
    const piece = fc.constantFrom(' ', '\t', '\n', '"', '\\', '#', '{', '}', 'a', 'x', 'n', '0', '1', '7', '9', 'f', 'F', '{ ', ' }', '\\0', '\\0x', '\\\n', '\r', 'é');
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 16 }), (pieces) => {
        const input = pieces.join('');
        let mine: string[] | null;
        try {
          mine = lexExecline(input);
        } catch (err) {
          if (!(err instanceof ExeclineSyntaxError)) throw err;
          mine = null;
        }
        expect(mine).toEqual(execlinebArgv(input));
      }),
      { numRuns: 300, seed: 20261122 },
    );
  });
});
