/**
 * Which `#!` lines of an oneshot's `up`/`down` s6rc's script extension leaves
 * alone (SPEC §1): s6-rc-compile lexes every such file as execline, where a
 * `#!` line is just a comment. s6rc stores a `#!` file as a script to run,
 * except when the line names execlineb: that file is an execline script
 * written to run on its own too, and s6-rc lexes it and stores the argv, so
 * it runs with no execlineb installed. The line's options (`-P`, `-S0`, ...)
 * do not matter, as in s6-rc: there are no positional parameters to
 * substitute, so `$1` or `$@` stay as written.
 *
 * @example
 *   shebangNamesExeclineb(Buffer.from('#!/bin/execlineb -P\necho hi\n'))        // true
 *   shebangNamesExeclineb(Buffer.from('#!/usr/bin/env execlineb\necho hi\n'))   // true
 *   shebangNamesExeclineb(Buffer.from('#!/bin/sh\necho hi\n'))                  // false
 */

/** env's options that take the next word as their argument. */
const ENV_OPTIONS_WITH_ARGUMENT = ['-u', '-C', '--unset', '--chdir'];

/** Whether `content`, which starts with `#!`, names execlineb as its interpreter, directly or through env. */
export function shebangNamesExeclineb(content: Uint8Array): boolean {
  let end = content.indexOf(0x0a);
  if (end < 0) end = content.length;
  const words = Buffer.from(content.buffer, content.byteOffset + 2, end - 2).toString('utf8').trim().split(/[ \t]+/);
  if (isExeclineb(words[0])) return true;
  if (baseName(words[0]) !== 'env') return false;
  // env [-i] [-u NAME] [-S] [NAME=value]... program: the first word that is none of these is the program.
  for (let k = 1; k < words.length; k++) {
    const w = words[k];
    if (ENV_OPTIONS_WITH_ARGUMENT.includes(w)) k++;
    else if (!w.startsWith('-') && !w.includes('=')) return isExeclineb(w);
  }
  return false;
}

const baseName = (path: string): string => path.slice(path.lastIndexOf('/') + 1);

const isExeclineb = (path: string): boolean => baseName(path) === 'execlineb';
