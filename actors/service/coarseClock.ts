/**
 * One timer for every probe of the supervisor. A thousand probes each waking
 * the event loop on its own phase cost a thousand wake-ups a second; here
 * every due time is rounded up to a grid (50 ms for a 1 s interval, finer
 * for shorter ones: at most 5 % late), so probes due near the same moment
 * run in one timer callback, their connects go out together, and their
 * answers come back in the same few turns of the loop. Rescheduling a ticket
 * allocates nothing.
 */
import { performance } from 'node:perf_hooks';

/** Grid steps, coarsest first; each divides the ones before it, so finer grids still meet coarser ones. */
const STEPS = [50, 25, 10, 5, 1];

/** The grid for a delay: the coarsest step that is at most 5 % of it. */
export function gridStep(delay: number): number {
  for (const step of STEPS) if (step * 20 <= delay) return step;
  return 0; // shorter than 20 ms: exact, to the ms
}

/** Something to run at a time; owned by its user and rescheduled, never reallocated. */
export class Ticket {
  /** The slot it is due in, or -1 when not scheduled. */
  due = -1;
  /** The slot whose list holds it (it may still be there after a cancel or a move). */
  queued = -1;
  constructor(readonly run: () => void) {}
}

export class CoarseClock {
  private readonly slots = new Map<number, Ticket[]>();
  /** Slot keys, a binary min-heap. */
  private readonly keys: number[] = [];
  private timer: NodeJS.Timeout | null = null;
  private timerAt = Infinity;
  /** Tickets scheduled and not yet run or cancelled: at 0 the timer goes, so nothing is left armed. */
  private live = 0;

  /** Runs `ticket` in `delay` ms (rounded up to its grid), replacing its previous time if any. */
  after(ticket: Ticket, delay: number): void {
    this.at(ticket, performance.now() + delay, delay);
  }

  /**
   * Runs `ticket` at `time` (performance.now() ms) rounded up to the grid of
   * `period`, replacing its previous time if any. A caller repeating every
   * `period` passes its own unrounded times, so rounding never adds up.
   */
  at(ticket: Ticket, time: number, period: number): void {
    const step = gridStep(period);
    const key = step ? Math.ceil(time / step) * step : Math.ceil(time);
    if (ticket.due === -1) this.live++;
    ticket.due = key;
    if (ticket.queued === key) return;
    ticket.queued = key;
    let list = this.slots.get(key);
    if (list === undefined) {
      this.slots.set(key, (list = []));
      this.push(key);
      if (key < this.timerAt) this.arm(key);
    }
    list.push(ticket);
  }

  /** Unschedules `ticket`; it stays in its slot's list, skipped, until that slot comes. */
  cancel(ticket: Ticket): void {
    if (ticket.due === -1) return;
    ticket.due = -1;
    if (--this.live === 0) this.clear();
  }

  /** Nothing is scheduled: forget the slots, stop the timer. */
  private clear(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.timerAt = Infinity;
    for (const list of this.slots.values()) for (const ticket of list) ticket.queued = -1;
    this.slots.clear();
    this.keys.length = 0;
  }

  private arm(key: number): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timerAt = key;
    // Whole ms: Node keeps one timer list per distinct duration.
    this.timer = setTimeout(this.fire, Math.max(0, Math.ceil(key - performance.now())));
  }

  private readonly fire = () => {
    this.timer = null;
    this.timerAt = Infinity;
    // Node's timers count whole ms of a cached loop time: a slot less than 1 ms ahead is due.
    const now = performance.now() + 1;
    while (this.keys.length > 0 && this.keys[0] <= now) {
      const key = this.pop();
      const list = this.slots.get(key)!;
      this.slots.delete(key);
      for (const ticket of list) {
        if (ticket.queued === key) ticket.queued = -1;
        if (ticket.due !== key) continue; // cancelled, or moved to another slot
        ticket.due = -1;
        this.live--;
        ticket.run();
      }
    }
    if (this.keys.length > 0 && this.keys[0] !== this.timerAt) this.arm(this.keys[0]);
  };

  private push(key: number): void {
    const heap = this.keys;
    let i = heap.push(key) - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (heap[parent] <= key) break;
      heap[i] = heap[parent];
      i = parent;
    }
    heap[i] = key;
  }

  private pop(): number {
    const heap = this.keys;
    const top = heap[0];
    const last = heap.pop()!;
    if (heap.length > 0) {
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        if (left >= heap.length) break;
        const child = left + 1 < heap.length && heap[left + 1] < heap[left] ? left + 1 : left;
        if (heap[child] >= last) break;
        heap[i] = heap[child];
        i = child;
      }
      heap[i] = last;
    }
    return top;
  }
}

/** The supervisor's one clock for probes. */
export const probeClock = new CoarseClock();

/** The clock's time, performance.now(): ms, monotonic. */
export const clockNow = (): number => performance.now();
