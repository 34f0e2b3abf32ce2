/**
 * The health files of a longrun (s6rc extensions, SPEC §7): `restart`,
 * `restart-backoff`, `restart-limit`, `watchdog-timeout`, `readiness-probe`
 * and `liveness-probe`. Each parser takes the file's text and returns its
 * value, or throws an Error saying what is wrong (readSource adds the path).
 */
import type { Probe, RestartPolicy } from '../../machines/model.js';
import { lexExecline } from './execlineLexer.js';
import { parseUint } from './lines.js';
import { escapeText, quote } from './quote.js';

const POLICIES: readonly RestartPolicy[] = ['always', 'on-failure', 'never'];

/** `restart`: `always`, `on-failure` or `never`. */
export function parseRestartPolicy(text: string): RestartPolicy {
  const word = text.trim();
  if ((POLICIES as readonly string[]).includes(word)) return word as RestartPolicy;
  throw new Error(`unknown restart policy ${quote(word)} (expected always, on-failure or never)`);
}

/** Two unsigned integers on one line: `restart-backoff` and `restart-limit`. */
function twoNumbers(text: string, what: string): [number, number] {
  const words = text.trim().split(/\s+/);
  const numbers = words.map(parseUint);
  if (words.length !== 2 || numbers.some((n) => n === null)) throw new Error(`expected ${what}, got ${quote(text.trim())}`);
  return numbers as [number, number];
}

/** `restart-backoff`: `MIN MAX` in ms, 0 < MIN ≤ MAX. */
export function parseRestartBackoff(text: string): { min: number; max: number } {
  const [min, max] = twoNumbers(text, 'MIN MAX (two numbers of ms)');
  if (min === 0) throw new Error('MIN must be at least 1 ms');
  if (min > max) throw new Error(`MIN ${min} is greater than MAX ${max}`);
  return { min, max };
}

/** `restart-limit`: `COUNT SECONDS`, both at least 1. */
export function parseRestartLimit(text: string): { count: number; seconds: number } {
  const [count, seconds] = twoNumbers(text, 'COUNT SECONDS (two numbers)');
  if (count === 0) throw new Error('COUNT must be at least 1');
  if (seconds === 0) throw new Error('SECONDS must be at least 1');
  return { count, seconds };
}

/** `watchdog-timeout`: ms, at least 1. */
export function parseWatchdogTimeout(text: string): number {
  const n = parseUint(text);
  if (n === null || n === 0) throw new Error(`bad watchdog timeout ${quote(text.trim())} (expected a number of ms, at least 1)`);
  return n;
}

/** Defaults: notifyoncheck's for a readiness probe; a liveness probe checks every 10 s, allows 1 s, fails after 3. */
export function defaultProbe(kind: Probe['kind'], target: string, liveness: boolean): Probe {
  return liveness
    ? { kind, target, initialSleep: 10000, globalTimeout: 0, localTimeout: 1000, waitingTime: 10000, tries: 0, checkProgram: ['./data/check'], failureThreshold: 3 }
    : { kind, target, initialSleep: 10, globalTimeout: 0, localTimeout: 0, waitingTime: 1000, tries: 7, checkProgram: ['./data/check'], failureThreshold: 1 };
}

const NUMERIC = { s: 'initialSleep', T: 'globalTimeout', t: 'localTimeout', w: 'waitingTime', n: 'tries', f: 'failureThreshold' } as const;

/**
 * `readiness-probe` / `liveness-probe`: one line, `tcp HOST:PORT`, `http URL`
 * or `exec`, then notifyoncheck's options (`-s -T -t -w -n`, `-c` for exec);
 * a liveness probe takes `-f THRESHOLD` instead of `-T` and `-n`.
 *
 * @example parseProbe('tcp 127.0.0.1:8080 -w 200', false) // { kind: 'tcp', target: '127.0.0.1:8080', waitingTime: 200, ... }
 */
export function parseProbe(text: string, liveness: boolean): Probe {
  const words = lexExecline(text);
  if (words.length === 0) throw new Error('empty probe (expected tcp HOST:PORT, http URL or exec)');
  const kind = words[0];
  let rest: string[];
  let probe: Probe;
  if (kind === 'tcp' || kind === 'http') {
    if (words.length < 2 || words[1].startsWith('-')) throw new Error(`${kind} needs ${kind === 'tcp' ? 'HOST:PORT' : 'a URL'}`);
    probe = defaultProbe(kind, kind === 'tcp' ? checkHostPort(words[1]) : checkUrl(words[1]), liveness);
    rest = words.slice(2);
  } else if (kind === 'exec') {
    probe = defaultProbe('exec', '', liveness);
    rest = words.slice(1);
  } else {
    throw new Error(`unknown probe ${quote(kind)} (expected tcp, http or exec)`);
  }
  const allowed = liveness ? 'stwfc' : 'sTtwnc';
  for (let i = 0; i < rest.length; i++) {
    const w = rest[i];
    if (!w.startsWith('-') || w.length < 2) throw new Error(`unexpected argument ${quote(w)}`);
    const letter = w[1];
    if (!allowed.includes(letter)) throw new Error(`unknown option -${escapeText(letter)} for a ${liveness ? 'liveness' : 'readiness'} probe`);
    let value = w.slice(2);
    if (value === '') {
      if (++i >= rest.length) throw new Error(`option -${letter} requires an argument`);
      value = rest[i];
    }
    if (letter === 'c') {
      if (kind !== 'exec') throw new Error('option -c is for exec probes only');
      probe.checkProgram = lexExecline(value);
      if (probe.checkProgram.length === 0) throw new Error('option -c requires a non-empty command');
      continue;
    }
    const n = parseUint(value);
    if (n === null) throw new Error(`option -${letter} expects a non-negative integer, got ${quote(value)}`);
    if (letter === 'f' && n === 0) throw new Error('option -f expects at least 1');
    probe[NUMERIC[letter as keyof typeof NUMERIC]] = n;
  }
  return probe;
}

/** `HOST:PORT`, `[v6]:PORT`; the port 1-65535. */
function checkHostPort(word: string): string {
  const m = /^(\[[0-9A-Fa-f:.]+\]|[^:\s[\]]+):(\d+)$/.exec(word);
  if (!m) throw new Error(`bad address ${quote(word)} (expected HOST:PORT)`);
  checkPort(m[2], word);
  return word;
}

function checkPort(port: string, word: string): void {
  const n = Number(port);
  if (!/^\d+$/.test(port) || n < 1 || n > 65535) throw new Error(`port out of range in ${quote(word)} (expected 1 to 65535)`);
}

/** An http:// URL (https would need certificates the supervisor does not have). */
function checkUrl(word: string): string {
  let url: URL;
  try {
    url = new URL(word);
  } catch {
    throw new Error(`bad URL ${quote(word)}`);
  }
  if (url.protocol !== 'http:') throw new Error(`not an http URL: ${quote(word)}`);
  if (url.port !== '') checkPort(url.port, word);
  return word;
}
