/**
 * The loop shared by every check the supervisor runs itself (notifyoncheck's
 * data/check, readiness and liveness probes): sleep, attempt, wait, attempt
 * again, until the caller says stop. No helper process and no interval: the
 * next attempt is scheduled only when the previous one has settled, so a slow
 * attempt delays the next instead of piling attempts up. Every time waits on
 * the supervisor's one coarse clock (coarseClock.ts).
 */
import { clockNow, CoarseClock, probeClock, Ticket } from './coarseClock.js';

/**
 * One kind of attempt (a tcp connect, an http GET, a check program), made
 * once per `start` and reused for the whole run, so an attempt allocates only
 * what its socket or process needs.
 */
export interface Attempt {
  /**
   * Starts one attempt; calls `settle(null)` on success or `settle(reason)`
   * (one line: "connection refused", "exit 1") on failure, exactly once,
   * never synchronously, unless `abort` is called first.
   */
  start(settle: (failure: string | null) => void): void;
  /** Gives the running attempt up (destroys its socket, kills its process group); `settle` is not called. */
  abort(): void;
}

export interface PollTiming {
  /** ms before the first attempt. */
  initialSleep: number;
  /** ms from the start of one attempt to the start of the next (or to its end, if it takes longer). */
  waitingTime: number;
  /** ms an attempt may take before it is aborted and counted as failed ("timed out after N ms"); 0 = no limit. */
  attemptTimeout: number;
}

/**
 * Runs `attempt` on `timing` until `onResult` (given null for a success, the
 * reason for a failure) returns false, or until the returned function is
 * called, which unschedules everything and aborts a running attempt.
 * Attempts start every `waitingTime` from the first (a fixed rate, so probes
 * due together stay together on the shared clock), never two at once: one
 * that overruns its turn is followed at once by the next.
 *
 * @example const cancel = poll(tcp, { initialSleep: 0, waitingTime: 1000, attemptTimeout: 1000 }, (failure) => failure !== null);
 */
export function poll(attempt: Attempt, timing: PollTiming, onResult: (failure: string | null) => boolean, clock: CoarseClock = probeClock): () => void {
  return new Poller(attempt, timing, onResult, clock).cancel;
}

class Poller {
  private stopped = false;
  private running = false;
  /** When the next attempt is due (clock ms, unrounded). */
  private nextAt: number;
  private readonly attemptTicket = new Ticket(() => this.fire());
  private readonly deadlineTicket = new Ticket(() => this.expire());
  private readonly timedOut: string;

  constructor(
    private readonly attempt: Attempt,
    private readonly timing: PollTiming,
    private readonly onResult: (failure: string | null) => boolean,
    private readonly clock: CoarseClock,
  ) {
    this.timedOut = `timed out after ${timing.attemptTimeout} ms`;
    this.nextAt = clockNow() + timing.initialSleep;
    clock.at(this.attemptTicket, this.nextAt, timing.initialSleep);
  }

  private fire(): void {
    if (this.stopped) return;
    this.running = true;
    this.nextAt += this.timing.waitingTime;
    if (this.timing.attemptTimeout > 0) this.clock.after(this.deadlineTicket, this.timing.attemptTimeout);
    this.attempt.start(this.settle);
  }

  private expire(): void {
    if (!this.running) return;
    this.attempt.abort();
    this.settle(this.timedOut);
  }

  private readonly settle = (failure: string | null) => {
    if (!this.running || this.stopped) return;
    this.running = false;
    this.clock.cancel(this.deadlineTicket);
    if (!this.onResult(failure)) return this.cancel();
    if (this.stopped) return; // onResult cancelled us
    const now = clockNow();
    if (this.nextAt < now) this.nextAt = now; // overran its turn: no catching up
    this.clock.at(this.attemptTicket, this.nextAt, this.timing.waitingTime);
  };

  readonly cancel = () => {
    if (this.stopped) return;
    this.stopped = true;
    this.clock.cancel(this.attemptTicket);
    this.clock.cancel(this.deadlineTicket);
    if (this.running) {
      this.running = false;
      this.attempt.abort();
    }
  };
}

/** How a run of `pollUntilSuccess` ended. */
export type PollOutcome =
  | { ready: true; attempts: number }
  /** `timedOut`: the global timeout ended it, else the tries ran out; `last`: the last failure's reason, null if none settled. */
  | { ready: false; attempts: number; last: string | null; timedOut: boolean };

/**
 * notifyoncheck's readiness loop: `poll` until an attempt succeeds, at most
 * `tries` attempts (0 = forever), for at most `globalTimeout` ms (0 = no
 * limit). `done` is called once, unless the returned cancel comes first.
 */
export function pollUntilSuccess(
  attempt: Attempt,
  timing: PollTiming & { tries: number; globalTimeout: number },
  done: (outcome: PollOutcome) => void,
): () => void {
  let attempts = 0;
  let last: string | null = null;
  let globalTimer: NodeJS.Timeout | undefined;
  const finish = (outcome: PollOutcome) => {
    cancel();
    done(outcome);
  };
  const stopPolling = poll(attempt, timing, (failure) => {
    attempts++;
    if (failure === null) finish({ ready: true, attempts });
    else if (timing.tries > 0 && attempts >= timing.tries) finish({ ready: false, attempts, last: failure, timedOut: false });
    else {
      last = failure;
      return true;
    }
    return false;
  });
  const cancel = () => {
    clearTimeout(globalTimer);
    stopPolling();
  };
  if (timing.globalTimeout > 0) {
    globalTimer = setTimeout(() => finish({ ready: false, attempts, last, timedOut: true }), timing.globalTimeout);
  }
  return cancel;
}
