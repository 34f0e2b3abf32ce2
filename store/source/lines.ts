/** The small file formats of a source directory: name lists and numbers. */

/**
 * A `contents` or `dependencies` file: one name per line, leading whitespace
 * ignored, trailing whitespace kept, empty lines and lines starting with `#`
 * ignored (as s6-rc-compile reads them).
 */
export function parseNameList(text: string): string[] {
  const names: string[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/^[ \t\r\f\v]+/, '');
    if (line === '' || line.startsWith('#')) continue;
    names.push(line);
  }
  return names;
}

/** A file holding one unsigned integer (trailing whitespace allowed); null if malformed. */
export function parseUint(text: string): number | null {
  const t = text.trim();
  if (!/^\d+$/.test(t)) return null;
  const n = Number(t);
  return Number.isSafeInteger(n) && n <= 0xffffffff ? n : null;
}
