/**
 * The pipeline pipes the supervisor holds open across restarts of either
 * side: one per consumer, shared by all its producers. The FIFOs are kept in
 * `<live>/pipes/` so a recovering supervisor reopens the very pipes its
 * surviving producers and consumers still hold.
 */
import { closeSync, constants, existsSync, mkdirSync, openSync, statSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { CompiledModel } from '../../machines/model.js';
import { createPipe, type Pipe } from '../service/pipes.js';

export interface PipelineFds {
  /** The fds a member gets: a consumer's stdin, a producer's stdout. */
  get(name: string): { stdin?: number; stdout?: number } | undefined;
  close(): void;
}

/** Opens (or, when `reuse`, reopens) every consumer's pipe under `dir`. */
export function openPipelines(model: CompiledModel, dir: string, reuse: boolean): PipelineFds {
  const ends = new Map<string, { stdin?: number; stdout?: number }>();
  const pipes: Pipe[] = [];
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  for (const name of model.atomics) {
    const s = model.services.get(name);
    if (s?.type !== 'longrun' || s.consumerFor.length === 0) continue;
    const path = join(dir, name);
    const pipe = reuse && isFifo(path) ? reopen(path) : fresh(path);
    pipes.push(pipe);
    ends.set(name, { ...ends.get(name), stdin: pipe.readFd });
    for (const producer of s.consumerFor) ends.set(producer, { ...ends.get(producer), stdout: pipe.writeFd });
  }
  return {
    get: (name) => ends.get(name),
    close: () => pipes.forEach((p) => p.close()),
  };
}

function isFifo(path: string): boolean {
  try {
    return statSync(path).isFIFO();
  } catch {
    return false;
  }
}

function fresh(path: string): Pipe {
  if (existsSync(path)) unlinkSync(path);
  return createPipe(path);
}

/** The same FIFO, opened without blocking (O_RDWR first), so its buffered bytes are kept. */
function reopen(path: string): Pipe {
  const holder = openSync(path, constants.O_RDWR);
  const readFd = openSync(path, constants.O_RDONLY);
  const writeFd = openSync(path, constants.O_WRONLY);
  closeSync(holder);
  let closed = false;
  return {
    readFd,
    writeFd,
    path,
    close() {
      if (closed) return;
      closed = true;
      closeSync(readFd);
      closeSync(writeFd);
    },
  };
}
