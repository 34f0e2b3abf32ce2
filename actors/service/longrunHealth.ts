/**
 * The OS side of a longrun's health files (SPEC §7): its sd_notify socket
 * (`notify-socket`, `watchdog-timeout`), its readiness probe and its liveness
 * probe. The machine decides (machines/longrun.ts: `startReadiness`,
 * `startHealth`, `health.failed`, `notify.state`); this runs the sockets,
 * timers and probes it asks for, inside the supervisor, and reports back
 * through `send`.
 */
import { join } from 'node:path';
import type { Longrun } from '../../machines/model.js';
import type { LongrunContext, LongrunEvent, ServiceState } from '../../machines/service/events.js';
import type { Unstamped } from './core.js';
import { notifySocketsSupported, openNotifySocket, type NotifyMessage, type NotifySocket } from './notifySocket.js';
import { runReadinessProbe, watchLiveness } from './probes.js';

/** What the health side reads from its longrun actor, at each use (`update` may redefine it). */
export interface LongrunHealthHost {
  spec(): Longrun;
  dir(): string;
  state(): ServiceState;
  context(): LongrunContext;
  send(event: Unstamped<LongrunEvent>): void;
}

export class LongrunHealth {
  private socket: NotifySocket | null = null;
  private cancelProbe: (() => void) | null = null;
  private cancelLiveness: (() => void) | null = null;
  private watchdog: NodeJS.Timeout | null = null;
  /** WATCHDOG_USEC= from the service overrides watchdog-timeout until its next start. */
  private watchdogMs = 0;

  constructor(private readonly host: LongrunHealthHost) {}

  /**
   * What run's environment gets: NOTIFY_SOCKET (the socket opened on first
   * use, kept across restarts) and WATCHDOG_USEC, as systemd sets them.
   * Throws an Error saying why when the socket cannot be had.
   */
  runEnv(): Record<string, string> {
    const spec = this.host.spec();
    if (!spec.notifySocket) {
      this.closeSocket();
      return {};
    }
    if (!notifySocketsSupported()) throw new Error('notify-socket needs the native addon (native/notify.c), which did not build');
    this.socket ??= openNotifySocket(join(this.host.dir(), 'notify'), (message) => this.onMessage(message));
    this.watchdogMs = spec.watchdogTimeout;
    return { NOTIFY_SOCKET: this.socket.address, ...(spec.watchdogTimeout > 0 ? { WATCHDOG_USEC: String(spec.watchdogTimeout * 1000) } : {}) };
  }

  /** After a spawn: the readiness probe, when there is one (the other sources need nothing started). */
  startReadiness(): void {
    const probe = this.host.spec().readinessProbe;
    if (!probe || this.cancelProbe) return;
    this.cancelProbe = runReadinessProbe(probe, this.host.dir(), (outcome) => {
      this.cancelProbe = null;
      if (outcome.ready) this.host.send({ type: 'readiness.notified', via: 'probe' });
      else this.host.send({ type: 'readiness.gaveUp', reason: outcome.reason ?? 'readiness probe failed' });
    });
  }

  stopReadiness(): void {
    this.cancelProbe?.();
    this.cancelProbe = null;
  }

  /** Entering `ready`: the watchdog and the liveness probe. */
  startHealth(): void {
    const spec = this.host.spec();
    if (spec.notifySocket && this.watchdogMs > 0) this.armWatchdog();
    if (spec.livenessProbe && !this.cancelLiveness) {
      this.cancelLiveness = watchLiveness(spec.livenessProbe, this.host.dir(), (reason) => {
        this.cancelLiveness = null;
        this.failed('liveness', `liveness probe: ${reason}`);
      });
    }
  }

  stopHealth(): void {
    if (this.watchdog) clearTimeout(this.watchdog);
    this.watchdog = null;
    this.cancelLiveness?.();
    this.cancelLiveness = null;
  }

  dispose(): void {
    this.stopReadiness();
    this.stopHealth();
    this.closeSocket();
  }

  private closeSocket(): void {
    this.socket?.close();
    this.socket = null;
  }

  private armWatchdog(): void {
    if (this.watchdog) {
      this.watchdog.refresh();
      return;
    }
    const ms = this.watchdogMs;
    this.watchdog = setTimeout(() => {
      this.watchdog = null;
      this.failed('watchdog', `watchdog: no WATCHDOG=1 within ${ms} ms`);
    }, ms);
  }

  private failed(check: 'watchdog' | 'liveness', reason: string): void {
    if (this.host.state() === 'ready') this.host.send({ type: 'health.failed', check, reason });
  }

  /** One sd_notify datagram: readiness, what it says it does, and watchdog pings. */
  private onMessage(m: NotifyMessage): void {
    const context = this.host.context();
    // Nothing runs (a stray datagram after a death, or before a spawn): nothing to say.
    if (context.pid === null) return;
    const update: { status?: string; phase?: 'reloading' | 'stopping' | 'running'; mainPid?: number } = {};
    if (m.status !== null && m.status !== context.notifyStatus) update.status = m.status;
    if (m.mainPid !== null && m.mainPid !== context.mainPid) update.mainPid = m.mainPid;
    if (m.reloading) update.phase = 'reloading';
    else if (m.stopping) update.phase = 'stopping';
    else if (m.ready && context.notifyPhase) update.phase = 'running';
    if (Object.keys(update).length) this.host.send({ type: 'notify.state', ...update });
    if (m.ready && this.host.state() === 'up-unready') this.host.send({ type: 'readiness.notified', via: 'notify' });
    if (m.watchdogUsec !== null && m.watchdogUsec > 0) {
      this.watchdogMs = Math.ceil(m.watchdogUsec / 1000);
      if (this.watchdog) {
        clearTimeout(this.watchdog);
        this.watchdog = null;
        this.armWatchdog();
      }
    }
    if (m.fields.WATCHDOG === 'trigger') this.failed('watchdog', 'watchdog: the service asked for it (WATCHDOG=trigger)');
    else if (m.watchdog && this.watchdog) this.armWatchdog();
  }
}
