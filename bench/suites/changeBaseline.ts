/**
 * The plain-Node baseline for the change and update benches: the same
 * processes, spawned in the same dependency order with the same parallelism,
 * by a few lines of Node with no engine, no supervisor and no log. Oneshots are `/bin/true`
 * (done at exit); longruns run the bench's `run` script and are done at the
 * first newline on fd 3 (then killed, which is not timed).
 */
import { spawn, type ChildProcess } from 'node:child_process';

export type Kind = 'oneshot' | 'longrun';

/** Wall time in ms to bring up `deps.length` services in dependency order; `kind` is one for all, or one per service. */
export async function spawnBaseline(deps: number[][], kind: Kind | readonly Kind[], runScript: string): Promise<number> {
  const n = deps.length;
  const kindOf = (i: number): Kind => (typeof kind === 'string' ? kind : kind[i]);
  const waiting = deps.map((d) => d.length);
  const dependents: number[][] = deps.map(() => []);
  deps.forEach((ds, i) => ds.forEach((d) => dependents[d].push(i)));
  const children: ChildProcess[] = [];
  const t0 = process.hrtime.bigint();
  await new Promise<void>((resolve, reject) => {
    let left = n;
    if (n === 0) return resolve();
    const done = (i: number) => {
      if (--left === 0) resolve();
      for (const j of dependents[i]) if (--waiting[j] === 0) start(j);
    };
    const start = (i: number) => {
      if (kindOf(i) === 'oneshot') {
        const child = spawn('/bin/true', [], { stdio: 'ignore' });
        child.on('error', reject);
        child.on('close', () => done(i));
        return;
      }
      const child = spawn(runScript, [], { stdio: ['ignore', 'ignore', 'ignore', 'pipe'] });
      children.push(child);
      child.on('error', reject);
      let ready = false;
      (child.stdio[3] as NodeJS.ReadableStream).on('data', (chunk: Buffer) => {
        if (!ready && chunk.includes(10)) {
          ready = true;
          done(i);
        }
      });
    };
    waiting.forEach((w, i) => w === 0 && start(i));
  });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  await Promise.all(
    children.map(
      (c) =>
        new Promise<void>((r) => {
          if (c.exitCode !== null || c.signalCode !== null) return r();
          c.once('close', () => r());
          c.kill('SIGKILL');
        }),
    ),
  );
  return ms;
}
