/**
 * A change's report: what its `events` progress and its result say
 * together, folded on the client's side. It is what the Node API's `change`
 * resolves to and the last line of `s6rc change --json`. Pure; no I/O.
 */
import { EXIT, Fatal } from '../machines/errors.js';
import type { ProgressOf, Results, TransitionRef, TransitionStep } from './types.js';

/** A transition that failed: its exit code or signal (null when it had none) and s6-rc's reason (`command exited 1`). */
export type FailedTransition = TransitionRef & { code: number | null; signal: string | null; reason: string };

/** A transition not performed: blocked by the failure of `by`, or (`by`: null) not started before the change stopped early. */
export type SkippedTransition = TransitionRef & { by: string | null };

/** How a change ended, in full. */
export interface ChangeReport {
  /** 0 done, 1 a transition failed or the change was cancelled, 2 it timed out. */
  exitCode: number;
  /** Its id in the event log (`history({ changeId })`); null for a dry run. */
  changeId: number | null;
  /** Why it answered before its end (`-t`, a cancel), or null: it ran to its end. */
  stoppedBy: 'timeout' | 'cancel' | null;
  /** What succeeded, in the order it did (a dry run's simulated transitions too). */
  done: TransitionRef[];
  /** What failed, in the order it did. */
  failed: FailedTransition[];
  /** What it did not perform. */
  skipped: SkippedTransition[];
  /** Started but not ended when it stopped early: these go on under the supervisor (recorded in the event log). */
  inFlight: TransitionRef[];
  /** Services a down change left up because they are marked essential. */
  essentialKept: string[];
}

const key = (t: TransitionRef) => `${t.kind} ${t.service}`;
const ref = (t: TransitionRef): TransitionRef => ({ service: t.service, kind: t.kind });

/**
 * Folds a change's progress (requested with `events: true`) and its result
 * into a `ChangeReport`.
 *
 * @example
 *   const r = new ChangeReporter();
 *   const result = await client.request('change', { names: ['web'], events: true }, (m) => r.add(m));
 *   r.report(result) // → { exitCode: 0, done: [{ service: 'web', kind: 'up' }], ... }
 */
export class ChangeReporter {
  private planned: TransitionRef[] = [];
  private essentialKept: string[] = [];
  private readonly last = new Map<string, TransitionStep['step']>();
  private readonly done: TransitionRef[] = [];
  private readonly failed: FailedTransition[] = [];
  private readonly skipped: SkippedTransition[] = [];

  /** Takes one progress message (text and ids are ignored). */
  add(message: ProgressOf<'change'>): void {
    if ('planned' in message) {
      this.planned = message.planned.transitions;
      this.essentialKept = message.planned.essentialKept;
      return;
    }
    if (!('transition' in message)) return;
    const t = message.transition;
    this.last.set(key(t), t.step);
    if (t.step === 'succeeded') this.done.push(ref(t));
    else if (t.step === 'failed') this.failed.push({ ...ref(t), code: t.code, signal: t.signal, reason: t.reason });
    else if (t.step === 'blocked') this.skipped.push({ ...ref(t), by: t.by });
  }

  /** The report; a change that could not be planned (exit 111, `error`) throws it as a `Fatal`. */
  report(result: Results['change']): ChangeReport {
    if ('error' in result) throw new Fatal(result.exitCode || EXIT.system, `change failed: ${result.error}`);
    const inFlight: TransitionRef[] = [];
    const skipped = [...this.skipped];
    for (const t of this.planned) {
      const step = this.last.get(key(t));
      if (step === undefined) skipped.push({ ...ref(t), by: null });
      else if (step === 'scheduled') inFlight.push(ref(t));
    }
    return {
      exitCode: result.exitCode,
      changeId: result.changeId,
      stoppedBy: 'stoppedBy' in result ? result.stoppedBy : null,
      done: [...this.done],
      failed: [...this.failed],
      skipped,
      inFlight,
      essentialKept: [...this.essentialKept],
    };
  }
}
