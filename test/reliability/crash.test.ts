/**
 * Crash consistency (issue 13): on a random dependency graph, random
 * changes, updates and `svc` commands, with one fault at a random moment —
 * SIGKILL of the supervisor (after a random delay into an operation, or at a
 * named crash point: inside an event-log commit, around a spawn, at each
 * step of an update), SIGKILL of the client, or SIGSTOP of the supervisor
 * while one of its runs dies. After recovery: the log kept everything a
 * reader saw committed, in order, with no gap; every process alive at the
 * kill is adopted or recorded dead, and none is left over or duplicated;
 * `replay --verify` agrees; a change back to the wanted state converges
 * with no oneshot run twice. A stalled supervisor records the death it
 * missed and restarts the service.
 *
 * Short in `npm test`; `npm run torture` runs 1000 iterations; any run:
 * S6RC_TORTURE_SEED=<seed> S6RC_TORTURE_COUNT=<n> npx vitest run test/reliability/crash.test.ts
 */
import fc from 'fast-check';
import { afterEach, describe, it } from 'vitest';
import { budget, timeout, torture } from './budget.js';
import { CrashLive, worlds } from './crashLive.js';
import { runScenario } from './crashRun.js';
import { scenarioArb, type Scenario } from './crashWorld.js';

/** The scenario of seed 2098355905's iteration 84 (crashWorld's shape), run first in every run. */
const THROTTLED_RESTART: Scenario = {
  graph: {
    s0: { kind: 'exiting', deps: [], version: 0, slow: true },
    s1: { kind: 'exiting', deps: [], version: 0, slow: true },
    s2: { kind: 'ready', deps: [], version: 0, slow: true },
    s3: { kind: 'oneshot', deps: ['s2'], version: 0, slow: false },
    s4: { kind: 'plain', deps: [], version: 0, slow: false },
    s5: { kind: 'plain', deps: [], version: 0, slow: true },
  },
  ops: [
    { kind: 'up', targets: ['s4'] },
    { kind: 'svc', flag: '-u', target: 's4' },
    { kind: 'svc', flag: '-r', target: 's4' },
  ],
  fault: { victim: 'client', at: 1, delayMs: 1 },
};

afterEach(() => {
  for (const w of [...worlds]) w.cleanup();
});

describe('crash consistency', () => {
  const { seed, numRuns } = budget('crash', { short: 3, long: 1000 });
  it(
    'a supervisor killed, a client killed or a supervisor stopped at a random moment: nothing committed is lost, every process is accounted for, replay agrees, the next change converges without running a oneshot twice',
    async () => {
      let iteration = 0;
      const covered = new Map<string, number>();
      const started = Date.now();
      await fc.assert(
        fc.asyncProperty(scenarioArb, async (scenario) => {
          iteration++;
          const w = new CrashLive();
          try {
            const { violations, trace, covered: seen } = await runScenario(scenario, w);
            for (const c of seen) covered.set(c, (covered.get(c) ?? 0) + 1);
            // Progress, so a long run stopped early still says how far it got.
            if (torture) process.stdout.write(`reliability crash: iteration ${iteration} passed, ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
            if (violations.length) {
              throw new Error(`iteration ${iteration}: ${violations.length} violation(s):\n  ${violations.join('\n  ')}\nscenario: ${JSON.stringify(scenario)}\ntrace:\n  ${trace.join('\n  ')}`);
            }
          } finally {
            w.cleanup();
          }
        }),
        // Seed 2098355905, iteration 84: a longrun restarted by svc -r right after its start waits out
        // the throttle with no pid; the check now lets it get there.
        { seed, numRuns, endOnFailure: true, examples: [[THROTTLED_RESTART]] },
      );
      process.stdout.write(`reliability crash: ${numRuns} runs, 0 violations, ${((Date.now() - started) / numRuns / 1000).toFixed(1)} s per run; exercised: ${[...covered].map(([c, n]) => `${c} ${n}`).join(', ')}\n`);
    },
    // A minute an iteration at most (they take a few seconds); none under torture.
    timeout(numRuns * 60_000),
  );
});
