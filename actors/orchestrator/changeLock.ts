/**
 * One change (or shutdown) per live directory at a time (SPEC §3). The lock is
 * held on behalf of a client request: it is released when the change answers
 * its client or when the client goes away, so it dies with its holder.
 * `-b` queues; without it a second change fails at once (exit 111).
 */
export interface LockHolder {
  /** For the message a refused client sees, e.g. `change 12 (s6rc -u change web)`. */
  what: string;
}

interface Waiter {
  holder: LockHolder;
  grant: (release: () => void) => void;
}

export class ChangeLock {
  private holder: LockHolder | null = null;
  private readonly waiters: Waiter[] = [];

  /** Who holds it, or null. */
  get heldBy(): LockHolder | null {
    return this.holder;
  }

  /**
   * Takes the lock now, or (with `block`) once it is free. Returns null when it
   * is held and `block` is false. `onCancel` receives a function that drops the
   * queued waiter (its client went away). `first` queues ahead of every other
   * waiter (a shutdown does not wait behind queued changes).
   */
  acquire(holder: LockHolder, block: boolean, onCancel?: (cancel: () => void) => void, first = false): Promise<() => void> | null {
    if (!this.holder) return Promise.resolve(this.grant(holder));
    if (!block) return null;
    return new Promise((resolve) => {
      const waiter: Waiter = { holder, grant: resolve };
      if (first) this.waiters.unshift(waiter);
      else this.waiters.push(waiter);
      onCancel?.(() => {
        const i = this.waiters.indexOf(waiter);
        if (i >= 0) this.waiters.splice(i, 1);
      });
    });
  }

  private grant(holder: LockHolder): () => void {
    this.holder = holder;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.holder = null;
      const next = this.waiters.shift();
      if (next) next.grant(this.grant(next.holder));
    };
  }
}
