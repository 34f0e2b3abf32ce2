import { describe, expect, it } from 'vitest';
import { escapeText, quote, QUOTE_MAX } from '../../store/source/quote.js';

describe('quote: file content in a one-line message', () => {
  it('leaves printable text as it is, in single quotes', () => {
    expect(quote('daemon')).toBe("'daemon'");
    expect(quote('ünïcödé € 日本 😀 a b')).toBe("'ünïcödé € 日本 😀 a b'");
  });

  it("escapes as JSON does, plus \\' inside the quotes", () => {
    expect(quote('a\nb\tc\rd\be\ff\\g\'h"i')).toBe("'a\\nb\\tc\\rd\\be\\ff\\\\g\\'h\"i'");
    expect(quote('\x00\x1b[0m\x7f\x85')).toBe("'\\u0000\\u001b[0m\\u007f\\u0085'");
  });

  it('escapes what changes how a line reads: separators, bidi and zero-width marks, BOM, replacement and unassigned characters', () => {
    expect(quote('\u2028\u2029\u202e\u2066\u200b\ufeff\ufffd\u{e0001}\ud800x')).toBe("'\\u2028\\u2029\\u202e\\u2066\\u200b\\ufeff\\ufffd\\udb40\\udc01\\ud800x'");
  });

  it(`cuts after ${QUOTE_MAX} characters (not bytes, not escapes), saying so`, () => {
    expect(quote('x'.repeat(QUOTE_MAX))).toBe(`'${'x'.repeat(QUOTE_MAX)}'`);
    expect(quote('x'.repeat(QUOTE_MAX + 1))).toBe(`'${'x'.repeat(QUOTE_MAX)}'...`);
    expect(quote('é'.repeat(4096))).toBe(`'${'é'.repeat(QUOTE_MAX)}'...`);
    expect(quote('\x01'.repeat(100))).toBe(`'${'\\u0001'.repeat(QUOTE_MAX)}'...`);
  });

  it('escapeText escapes without quoting or cutting', () => {
    expect(escapeText('q')).toBe('q');
    expect(escapeText('\x01')).toBe('\\u0001');
  });
});
