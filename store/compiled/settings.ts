/**
 * The settings of later s6-rc versions and of s6rc's extensions, as rows of
 * the compiled database's `settings` table: one row per service and setting
 * that is not at its default, keyed by the source file's name, the value as
 * JSON. A setting added here is written, read back and checksummed with no
 * change to the tables (a database without it reads its default). A oneshot's
 * `reload` script is a command, in the `commands` table with `up` and `down`.
 */
import type { Atomic, Longrun, Oneshot } from '../../machines/model.js';

interface Setting<S extends Atomic> {
  type: S['type'];
  /** The value to store, or undefined at the default. */
  write(service: S): unknown;
  read(service: S, value: unknown): void;
}

/** A longrun field stored as it is (JSON), no row when `isDefault` says it is at its default. */
function stored<K extends keyof Longrun>(field: K, isDefault: (value: Longrun[K]) => boolean): Setting<Longrun> {
  return {
    type: 'longrun',
    write: (s) => (isDefault(s[field]) ? undefined : s[field]),
    read: (s, v) => void (s[field] = v as Longrun[K]),
  };
}

export const SETTINGS: Record<string, Setting<Longrun> | Setting<Oneshot>> = {
  'reload-signal': stored('reloadSignal', (v) => v === 'SIGHUP'),
  'flag-timeout-killpg': stored('killProcessGroup', (v) => !v),
  restart: stored('restart', (v) => v === 'always'),
  'restart-backoff': stored('restartBackoff', (v) => v === null),
  'restart-limit': stored('restartLimit', (v) => v === null),
  'notify-socket': stored('notifySocket', (v) => !v),
  'watchdog-timeout': stored('watchdogTimeout', (v) => v === 0),
  'readiness-probe': stored('readinessProbe', (v) => v === null),
  'liveness-probe': stored('livenessProbe', (v) => v === null),
};

/** The settings rows of one service, sorted by key (the table's order). */
export function settingsRows(service: Atomic): [key: string, value: string][] {
  const rows: [string, string][] = [];
  for (const key of Object.keys(SETTINGS).sort()) {
    const setting = SETTINGS[key];
    if (setting.type !== service.type) continue;
    const value = (setting as Setting<Atomic>).write(service);
    if (value !== undefined) rows.push([key, JSON.stringify(value)]);
  }
  return rows;
}

/** Applies one stored setting to its service; an unknown key (a newer s6rc's) is an error. */
export function applySetting(service: Atomic, key: string, value: string): void {
  const setting = SETTINGS[key];
  if (!setting || setting.type !== service.type) throw new Error(`unknown setting ${key} for ${service.type} ${service.name}`);
  (setting as Setting<Atomic>).read(service, JSON.parse(value));
}
