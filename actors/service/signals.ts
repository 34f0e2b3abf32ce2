import { constants } from 'node:os';

/** Sends `signal` to `pid`; false if the process is gone. Never throws: the exit event follows. */
export function sendSignal(pid: number, signal: NodeJS.Signals | number): boolean {
  try {
    process.kill(pid, signal);
    return true;
  } catch {
    return false;
  }
}

/**
 * Sends `signal` to the process group led by `pid` (every process s6rc starts
 * leads its own), so what the process forked goes too; false if none is left.
 */
export function signalGroup(pid: number, signal: NodeJS.Signals | number): boolean {
  return sendSignal(-pid, signal) || sendSignal(pid, signal);
}

/** Signal number for a name (`SIGTERM` → 15), as s6-supervise passes it to finish; 0 for none. */
export function signalNumber(name: string | null): number {
  if (!name) return 0;
  return (constants.signals as Record<string, number>)[name] ?? 0;
}

/** Normalises `TERM`, `sigterm`, `15` to `SIGTERM`; null if unknown. */
export function signalName(signal: string | number): NodeJS.Signals | null {
  const table = constants.signals as Record<string, number>;
  if (typeof signal === 'number' || /^\d+$/.test(signal)) {
    const n = Number(signal);
    return (Object.keys(table).find((k) => table[k] === n) as NodeJS.Signals) ?? null;
  }
  const upper = signal.toUpperCase();
  const name = upper.startsWith('SIG') ? upper : `SIG${upper}`;
  return name in table ? (name as NodeJS.Signals) : null;
}
