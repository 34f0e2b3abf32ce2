/**
 * s6-svstat's output, computed from a status the supervisor sent: the human
 * summary (`up (pid 1234) 56 seconds, normally down, ready 50 seconds`) and
 * the `-o` fields. Pure; no I/O, so `status` stays a thin client.
 */
import { constants } from 'node:os';
import type { StatusView } from '../protocol/types.js';
import { isUp } from '../protocol/waitCondition.js';

export { isUp };

export const FIELDS = ['up', 'wantedup', 'normallyup', 'ready', 'paused', 'pid', 'exitcode', 'signal', 'signum', 'updownsince', 'readysince', 'updownfor', 'readyfor', 'deaths', 'notifystatus'] as const;
export type Field = (typeof FIELDS)[number];

const isReady = (s: StatusView) => s.state === 'ready';
const seconds = (now: number, since: number | null) => Math.max(0, Math.floor((now - (since ?? now)) / 1000));

function signum(name: string | null): number {
  if (!name) return -1;
  return (constants.signals as Record<string, number>)[name] ?? -1;
}

/** TAI64N label, as skalibs' timestamp_fmt prints it (`@4000000065...`). */
export function tai64n(ms: number | null): string {
  if (ms === null) ms = 0;
  const secs = BigInt(Math.floor(ms / 1000)) + (1n << 62n) + 10n;
  const nanos = BigInt(Math.round((ms % 1000) * 1e6));
  return '@' + secs.toString(16).padStart(16, '0') + nanos.toString(16).padStart(8, '0');
}

export function fieldValue(s: StatusView, field: Field): string {
  const up = isUp(s);
  switch (field) {
    case 'up':
      return String(up);
    case 'wantedup':
      return String(s.wantedUp);
    case 'normallyup':
      return String(s.normallyUp);
    case 'ready':
      return String(up && isReady(s));
    case 'paused':
      return String(s.paused);
    case 'pid':
      return up && s.pid !== null && s.type === 'longrun' ? String(s.pid) : '-1';
    case 'exitcode':
      return up || s.signal ? '-1' : String(s.exitCode ?? 0);
    case 'signal':
      return !up && s.signal ? s.signal : 'NA';
    case 'signum':
      return String(!up && s.signal ? signum(s.signal) : -1);
    case 'updownsince':
      return tai64n(s.updownSince);
    case 'readysince':
      return tai64n(s.readySince);
    case 'updownfor':
      return String(seconds(s.now, s.updownSince));
    case 'readyfor':
      return String(seconds(s.now, s.readySince));
    case 'deaths':
      return String(s.deaths ?? s.deathTally);
    case 'notifystatus':
      return s.notifyStatus === undefined ? 'NA' : printable(s.notifyStatus);
  }
}

/** What a service said about itself, on one line: control characters become `?`. */
const printable = (text: string) => text.replace(/[\x00-\x1f\x7f]/g, '?');

/** s6rc's additions to s6-svstat's line: deaths and the last exit, a pending restart, what sd_notify said. */
function healthSummary(s: StatusView, up: boolean, numeric: boolean): string {
  let out = '';
  const deaths = s.deaths ?? 0;
  if (deaths > 0) {
    out += `, ${deaths} death${deaths === 1 ? '' : 's'}`;
    if (up) out += s.signal ? ` (last: signal ${numeric ? signum(s.signal) : s.signal})` : ` (last: exitcode ${s.exitCode ?? 0})`;
  }
  if (s.respawnAt !== undefined && s.state === 'starting') out += `, restarting in ${Math.max(0, Math.ceil((s.respawnAt - s.now) / 1000))} seconds`;
  if (s.notifyPhase) out += `, ${s.notifyPhase}`;
  if (s.notifyStatus) out += `, status: ${printable(s.notifyStatus)}`;
  return out;
}

/** s6-svstat without options. `numeric`: `-n`, signal numbers instead of names. */
export function humanSummary(s: StatusView, numeric = false): string {
  const up = isUp(s);
  const what = s.type === 'oneshot' ? (s.pid !== null ? `running pid ${s.pid}` : 'oneshot') : `pid ${s.pid}`;
  let out = up ? `up (${what}) ` : s.signal ? `down (signal ${numeric ? signum(s.signal) : s.signal}) ` : `down (exitcode ${s.exitCode ?? 0}) `;
  out += `${seconds(s.now, s.updownSince)} seconds`;
  if (up && !s.normallyUp) out += ', normally down';
  if (!up && s.normallyUp) out += ', normally up';
  if (up && s.paused) out += ', paused';
  if (!up && s.wantedUp) out += ', want up';
  if (up && !s.wantedUp) out += ', want down';
  if (up && isReady(s)) out += `, ready ${seconds(s.now, s.readySince)} seconds`;
  out += healthSummary(s, up, numeric);
  if (s.state === 'failed') out += `, failed${s.error ? `: ${s.error}` : ''}`;
  return out;
}
