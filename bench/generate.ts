/**
 * Generates s6-rc source sets for benchmarks and tests.
 *
 * `generateSource(dir, { shape, count, kind, seed })` writes `count` atomic
 * services named `s0000`, `s0001`, ... into `dir` (created if needed), plus a
 * bundle `all` holding every one of them, and returns their names.
 *
 * - `chain`: s0001 depends on s0000, s0002 on s0001, ...
 * - `fanout`: every service depends on s0000 (one root, count-1 leaves).
 * - `dag`: random layered DAG (layers of about √count services; each service
 *   depends on 1-3 services of earlier layers), reproducible from `seed`.
 *
 * Longruns notify readiness on fd 3 (`notification-fd` 3) and then sleep:
 * `run` is `#!/bin/sh` + `echo >&3` + `exec sleep infinity`, so they are cheap
 * and need only /bin/sh and coreutils. Oneshots run `/bin/true` up and down.
 * The signature is stable: the change and supervisor benches reuse it.
 *
 * @example
 *   const { names } = generateSource('/tmp/src', { shape: 'dag', count: 1000, kind: 'longrun', seed: 42 });
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export type Shape = 'chain' | 'fanout' | 'dag';

export interface GenerateOptions {
  shape: Shape;
  count: number;
  kind: 'longrun' | 'oneshot';
  /** PRNG seed for `dag` (default 1); other shapes ignore it. */
  seed?: number;
  /** Name of the bundle of everything (default `all`); null for none. */
  bundle?: string | null;
}

export interface GeneratedSource {
  /** Every atomic, in index order. */
  names: string[];
  /** Direct dependencies by name, as written to the source. */
  dependencies: Map<string, string[]>;
  /** The bundle of everything, if written. */
  bundle: string | null;
}

export const LONGRUN_RUN = '#!/bin/sh\necho >&3\nexec sleep infinity\n';

/** A run script with no readiness: only sleeps. */
export const PLAIN_RUN = '#!/bin/sh\nexec sleep infinity\n';

/**
 * Writes independent longruns named `names` under `src`: each runs
 * `LONGRUN_RUN` and notifies readiness on fd 3, or, with `ready` false, runs
 * `PLAIN_RUN` with no readiness. The suites' usual subject.
 */
export function writeLongruns(src: string, names: readonly string[], ready = true): void {
  for (const name of names) {
    const d = join(src, name);
    mkdirSync(d, { recursive: true });
    writeFileSync(join(d, 'type'), 'longrun\n');
    if (ready) writeFileSync(join(d, 'notification-fd'), '3\n');
    writeFileSync(join(d, 'run'), ready ? LONGRUN_RUN : PLAIN_RUN, { mode: 0o755 });
  }
}

/** mulberry32: a tiny, well-distributed PRNG, so a seed always gives the same DAG. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The dependency lists of a shape, by index. */
export function shapeDependencies(shape: Shape, count: number, seed = 1): number[][] {
  const deps: number[][] = Array.from({ length: count }, () => []);
  if (shape === 'chain') for (let i = 1; i < count; i++) deps[i].push(i - 1);
  if (shape === 'fanout') for (let i = 1; i < count; i++) deps[i].push(0);
  if (shape === 'dag') {
    const random = prng(seed);
    const width = Math.max(1, Math.round(Math.sqrt(count)));
    for (let i = width; i < count; i++) {
      const layerStart = Math.floor(i / width) * width;
      const picks = 1 + Math.floor(random() * 3);
      const chosen = new Set<number>();
      for (let k = 0; k < picks; k++) chosen.add(Math.floor(random() * layerStart));
      deps[i].push(...[...chosen].sort((a, b) => a - b));
    }
  }
  return deps;
}

/** Writes one atomic service of the bench's kind (see the module comment) into the source directory `dir`. */
export function writeService(dir: string, name: string, kind: 'longrun' | 'oneshot', dependencies: readonly string[]): void {
  const sdir = join(dir, name);
  mkdirSync(sdir);
  writeFileSync(join(sdir, 'type'), `${kind}\n`);
  if (dependencies.length) writeFileSync(join(sdir, 'dependencies'), dependencies.join('\n') + '\n');
  if (kind === 'longrun') {
    writeFileSync(join(sdir, 'run'), LONGRUN_RUN, { mode: 0o755 });
    writeFileSync(join(sdir, 'notification-fd'), '3\n');
  } else {
    writeFileSync(join(sdir, 'up'), '/bin/true\n');
    writeFileSync(join(sdir, 'down'), '/bin/true\n');
  }
}

/** Writes a bundle of `contents` into the source directory `dir`. */
export function writeBundle(dir: string, name: string, contents: readonly string[]): void {
  mkdirSync(join(dir, name));
  writeFileSync(join(dir, name, 'type'), 'bundle\n');
  writeFileSync(join(dir, name, 'contents'), contents.join('\n') + '\n');
}

export function generateSource(dir: string, opts: GenerateOptions): GeneratedSource {
  const width = Math.max(4, String(opts.count - 1).length);
  const names = Array.from({ length: opts.count }, (_, i) => `s${String(i).padStart(width, '0')}`);
  const deps = shapeDependencies(opts.shape, opts.count, opts.seed ?? 1);
  const dependencies = new Map<string, string[]>();
  mkdirSync(dir, { recursive: true });
  names.forEach((name, i) => {
    const mine = deps[i].map((d) => names[d]);
    dependencies.set(name, mine);
    writeService(dir, name, opts.kind, mine);
  });
  const bundle = opts.bundle === undefined ? 'all' : opts.bundle;
  if (bundle !== null) writeBundle(dir, bundle, names);
  return { names, dependencies, bundle };
}
