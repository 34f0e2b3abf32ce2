/**
 * How much the reliability harnesses run: a short run inside `npm test`, a
 * long one under `npm run torture` (S6RC_TORTURE=1). Any run can be replayed
 * or stretched with S6RC_TORTURE_SEED (the seed a failure printed) and
 * S6RC_TORTURE_COUNT (iterations). Every harness prints its seed first, so a
 * failure's output always says how to reproduce it. Under CI (and not
 * torture) each harness runs a fixed seed of its own.
 *
 * @example
 *   const { seed, numRuns } = budget('crash', { short: 5, long: 1000 });
 *   fc.assert(property, { seed, numRuns, endOnFailure: true });
 */

/** True under `npm run torture`: the long runs, with no per-test timeout. */
export const torture = process.env.S6RC_TORTURE === '1';

/** A per-test timeout: generous in `npm test`, none (0) in the long runs. */
export const timeout = (shortMs: number): number => (torture ? 0 : shortMs);

export interface Budget {
  /** fast-check's seed (S6RC_TORTURE_SEED, else a fresh one). */
  seed: number;
  /** Iterations (S6RC_TORTURE_COUNT, else `long` under torture, else `short`). */
  numRuns: number;
}

export function budget(name: string, runs: { short: number; long: number }): Budget {
  const fromEnv = Number(process.env.S6RC_TORTURE_SEED);
  const given = Number.isInteger(fromEnv) && process.env.S6RC_TORTURE_SEED !== '';
  // CI runs one fixed seed per harness, so a red build is a regression, never a new find of the
  // fuzzers; every other run (npm test on a desk, npm run torture) explores a fresh one.
  const seed = given ? fromEnv : process.env.CI && !torture ? fixedSeed(name) : (Date.now() ^ (Math.random() * 0x7fffffff)) | 0;
  const count = Number(process.env.S6RC_TORTURE_COUNT);
  const numRuns = Number.isInteger(count) && count > 0 ? count : torture ? runs.long : runs.short;
  process.stdout.write(`reliability ${name}: seed ${seed}, ${numRuns} runs (reproduce: S6RC_TORTURE_SEED=${seed} S6RC_TORTURE_COUNT=${numRuns} npx vitest run test/reliability)\n`);
  return { seed, numRuns };
}

/** A harness's fixed seed under CI: FNV-1a of its name. */
function fixedSeed(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
  return h | 0;
}
