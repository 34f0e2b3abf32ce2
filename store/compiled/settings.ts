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

const longrun = (s: Setting<Longrun>) => s;

export const SETTINGS: Record<string, Setting<Longrun> | Setting<Oneshot>> = {
  'reload-signal': longrun({
    type: 'longrun',
    write: (s) => (s.reloadSignal !== 'SIGHUP' ? s.reloadSignal : undefined),
    read: (s, v) => void (s.reloadSignal = String(v)),
  }),
  'flag-timeout-killpg': longrun({
    type: 'longrun',
    write: (s) => (s.killProcessGroup ? true : undefined),
    read: (s, v) => void (s.killProcessGroup = v === true),
  }),
  restart: longrun({
    type: 'longrun',
    write: (s) => (s.restart !== 'always' ? s.restart : undefined),
    read: (s, v) => void (s.restart = v as Longrun['restart']),
  }),
  'restart-backoff': longrun({
    type: 'longrun',
    write: (s) => s.restartBackoff ?? undefined,
    read: (s, v) => void (s.restartBackoff = v as Longrun['restartBackoff']),
  }),
  'restart-limit': longrun({
    type: 'longrun',
    write: (s) => s.restartLimit ?? undefined,
    read: (s, v) => void (s.restartLimit = v as Longrun['restartLimit']),
  }),
  'notify-socket': longrun({
    type: 'longrun',
    write: (s) => (s.notifySocket ? true : undefined),
    read: (s, v) => void (s.notifySocket = v === true),
  }),
  'watchdog-timeout': longrun({
    type: 'longrun',
    write: (s) => (s.watchdogTimeout > 0 ? s.watchdogTimeout : undefined),
    read: (s, v) => void (s.watchdogTimeout = Number(v)),
  }),
  'readiness-probe': longrun({
    type: 'longrun',
    write: (s) => s.readinessProbe ?? undefined,
    read: (s, v) => void (s.readinessProbe = v as Longrun['readinessProbe']),
  }),
  'liveness-probe': longrun({
    type: 'longrun',
    write: (s) => s.livenessProbe ?? undefined,
    read: (s, v) => void (s.livenessProbe = v as Longrun['livenessProbe']),
  }),
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
