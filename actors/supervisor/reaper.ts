/**
 * Orphans: a container's PID 1 (`boot`) and a child subreaper (the
 * supervisor) inherit every orphan below them, and Node reaps only its own
 * children, so without this they stay zombies. The reaper reaps, by pid, the
 * children nothing on the event loop waits for (native/reaper.c says which
 * ones libuv and spawn.c wait for: reaping those would steal their exit
 * status), and stops such children when the process leaves.
 *
 * One process, one reaper: `startReaper` is called once, by `boot` and by
 * `s6rc daemon`. Children spawned from worker threads would not be seen as
 * waited for; s6rc spawns none.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { procStatFields } from '../service/procStartTime.js';
import { loadAddon } from '../../store/loadAddon.js';

/** native/reaper.c, registered by spawn.c's Init into the s6rc_spawn addon. */
interface ReaperAddon {
  setChildSubreaper(): boolean;
  waitedFor(): number[];
  exitedChild(): number;
  reap(pid: number): [number | null, number | null] | null;
}

/** A child of this process that nothing on the event loop waits for. */
export interface Stray {
  pid: number;
  /** /proc state letter: `Z` once it has exited (not reaped yet). */
  state: string;
  /** Its process group. */
  pgid: number;
}

export interface ReaperOptions {
  /** Become a child subreaper (prctl): orphans of our descendants come to us rather than to init. */
  subreaper: boolean;
  /** One-line warnings: the addon is missing, the kernel refused. */
  warn(text: string): void;
}

/** SIGCHLDs arrive in bursts; one scan a little after the first catches them all, once their owners have reaped theirs. */
const SCAN_DELAY_MS = 20;
/** A SIGCHLD can be missed (coalesced with one libuv consumed first): scan now and then anyway. */
const BACKSTOP_MS = 5000;
/** How often stopStrays looks again while it waits. */
const POLL_MS = 25;

/**
 * The reaper, or null without the native addon (a one-line warning says so).
 *
 * @example
 *   const reaper = startReaper({ subreaper: true, warn: (t) => process.stderr.write(`s6rc: warning: ${t}\n`) });
 *   // at exit: stop what services left behind
 *   await reaper?.stopStrays(1000);
 */
export function startReaper(options: ReaperOptions): Reaper | null {
  const addon = loadAddon<Partial<ReaperAddon>>('s6rc_spawn');
  if (!addon || typeof addon.reap !== 'function' || typeof addon.waitedFor !== 'function') {
    options.warn('the native addon (build/Release/s6rc_spawn.node) is missing or too old: orphans re-parented to this process are not reaped');
    return null;
  }
  if (options.subreaper) {
    try {
      addon.setChildSubreaper!();
    } catch (err) {
      options.warn(`${(err as Error).message}: orphans of services go to init, not to this process`);
    }
  }
  return new Reaper(addon as ReaperAddon);
}

export class Reaper {
  private timer: NodeJS.Timeout | null = null;
  private readonly backstop: NodeJS.Timeout;
  private readonly onChild = () => {
    this.timer ??= setTimeout(() => {
      this.timer = null;
      this.scan();
    }, SCAN_DELAY_MS).unref();
  };

  constructor(private readonly addon: ReaperAddon) {
    process.on('SIGCHLD', this.onChild);
    this.backstop = setInterval(() => this.scan(), BACKSTOP_MS).unref();
    this.scan();
  }

  /** Reaps the strays that have exited, if any child has. */
  scan(): void {
    // One syscall when no child has exited, the usual answer.
    if (this.addon.exitedChild() !== 0) this.reapExited();
  }

  /** Reaps every stray that has exited; returns their pids. */
  reapExited(): number[] {
    const reaped: number[] = [];
    for (const s of this.strays()) if (s.state === 'Z' && this.addon.reap(s.pid)) reaped.push(s.pid);
    return reaped;
  }

  /**
   * Our children that nothing waits for: orphans re-parented to us, alive or
   * exited. Each stays ours (its pid cannot be reused) until we reap it, so
   * signalling one by pid is safe.
   */
  strays(): Stray[] {
    const waited = new Set(this.addon.waitedFor());
    const found: Stray[] = [];
    for (const pid of childrenOf(process.pid)) {
      if (waited.has(pid)) continue;
      const stat = procStat(pid);
      if (stat && stat.ppid === process.pid) found.push({ pid, state: stat.state, pgid: stat.pgid });
    }
    return found;
  }

  /**
   * SIGTERM and SIGCONT to every stray still running (and to those that
   * appear meanwhile: what they forked is re-parented to us in turn), SIGKILL
   * to what is left after `graceMs`; resolves, once every one is gone and
   * reaped, with the pids it signalled.
   */
  async stopStrays(graceMs: number): Promise<number[]> {
    const signalled = new Set<number>();
    const deadline = Date.now() + graceMs;
    // After SIGKILL nothing outlives a few polls; the bound only guards against a process stuck in the kernel.
    const giveUp = deadline + 2000;
    for (;;) {
      this.reapExited();
      const running = this.strays().filter((s) => s.state !== 'Z');
      if (running.length === 0 || Date.now() > giveUp) break;
      const late = Date.now() >= deadline;
      for (const s of running) {
        if (late) kill(s.pid, 'SIGKILL');
        else if (!signalled.has(s.pid)) {
          kill(s.pid, 'SIGTERM');
          kill(s.pid, 'SIGCONT');
        }
        signalled.add(s.pid);
      }
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
    return [...signalled];
  }

  /** SIGKILL to every stray still running, now (a forced exit); returns their pids. */
  killStrays(): number[] {
    const running = this.strays().filter((s) => s.state !== 'Z');
    for (const s of running) kill(s.pid, 'SIGKILL');
    return running.map((s) => s.pid);
  }

  /**
   * Ends the process group `pgid` (a stopped longrun's, with
   * flag-timeout-killpg): SIGTERM and SIGCONT, then SIGKILL after `graceMs`.
   * Only while one of our strays is in it: an unreaped child keeps the group
   * id from being reused, so the signal cannot reach another group. Returns
   * whether it signalled.
   */
  endGroup(pgid: number, graceMs: number): boolean {
    const inGroup = () => this.strays().some((s) => s.pgid === pgid);
    if (!inGroup()) return false;
    kill(-pgid, 'SIGTERM');
    kill(-pgid, 'SIGCONT');
    setTimeout(() => {
      if (inGroup()) kill(-pgid, 'SIGKILL');
    }, graceMs).unref();
    return true;
  }

  /** Stops listening (tests; a process that leaves needs not). */
  stop(): void {
    process.off('SIGCHLD', this.onChild);
    clearInterval(this.backstop);
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}

function kill(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    /* gone: nothing to stop */
  }
}

/** The children of `pid`: /proc/<pid>/task/<tid>/children (orphans go to whichever thread the kernel picks), or a scan of /proc. */
function childrenOf(pid: number): number[] {
  const children: number[] = [];
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return children;
  }
  for (const tid of tasks) {
    let text: string;
    try {
      text = readFileSync(`/proc/${pid}/task/${tid}/children`, 'latin1');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return scanForChildren(pid); // a kernel without CONFIG_PROC_CHILDREN
      continue; // that thread just ended
    }
    for (const word of text.split(' ')) if (word) children.push(Number(word));
  }
  return children;
}

function scanForChildren(parent: number): number[] {
  const children: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    if (procStat(Number(entry))?.ppid === parent) children.push(Number(entry));
  }
  return children;
}

function procStat(pid: number): { state: string; ppid: number; pgid: number } | null {
  const fields = procStatFields(pid);
  return fields && { state: fields[0], ppid: Number(fields[1]), pgid: Number(fields[2]) };
}
