/** The small file formats of a source directory: name lists and numbers. */

/**
 * A `contents` or `dependencies` file: one name per line, leading whitespace
 * ignored, trailing whitespace kept, empty lines and lines starting with `#`
 * ignored (as s6-rc-compile reads them).
 */
export function parseNameList(text: string): string[] {
  const names: string[] = [];
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    // Skip leading blanks (space, \t, \v, \f, \r), by code for speed: bundles may list thousands.
    let k = start;
    for (let c = text.charCodeAt(k); k < end && (c === 32 || (c >= 9 && c <= 13)); c = text.charCodeAt(++k));
    if (k < end && text.charCodeAt(k) !== 35 /* # */) names.push(text.slice(k, end));
    start = end + 1;
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
