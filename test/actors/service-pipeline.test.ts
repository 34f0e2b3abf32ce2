import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createPipe, createServiceActor } from '../../actors/service/createServiceActor.js';
import type { Pipe } from '../../actors/service/pipes.js';
import { dataFile, Harness, isAlive, longrunSpec, materialise, readData, waitUntil } from '../fixtures/services.js';

let h: Harness;
let pipe: Pipe | undefined;
beforeEach(() => {
  h = new Harness();
});
afterEach(() => {
  h.cleanup();
  pipe?.close();
});

const emit = (dir: string, line: string) => appendFileSync(join(dir, 'data', 'emit'), `${line}\n`);
const received = (dir: string) => readData(dir, 'received').trim().split('\n').filter(Boolean);

describe('pipelines', () => {
  it('a pipe held by the supervisor survives restarts of either side with no data loss', async () => {
    pipe = createPipe();
    const producerSpec = longrunSpec('producer', { producerFor: 'consumer' });
    const consumerSpec = longrunSpec('consumer', { consumerFor: ['producer'] });
    const producerDir = materialise(h.root, producerSpec);
    const consumerDir = materialise(h.root, consumerSpec);
    dataFile(producerDir, 'producer');
    dataFile(consumerDir, 'consume');
    const consumer = h.track(createServiceActor({ spec: consumerSpec, serviceDir: consumerDir, sink: h.sink, stdin: pipe.readFd }), consumerDir);
    const producer = h.track(createServiceActor({ spec: producerSpec, serviceDir: producerDir, sink: h.sink, stdout: pipe.writeFd }), producerDir);
    consumer.up();
    producer.up();
    await h.waitState(consumer, 'ready');
    await h.waitState(producer, 'ready');

    emit(producerDir, 'a1');
    await waitUntil(() => received(consumerDir).length === 1, 'a1 to arrive');

    // Consumer dies while idle; what the producer writes meanwhile waits in the pipe.
    const consumerPid = consumer.status().pid!;
    process.kill(consumerPid, 'SIGKILL');
    await waitUntil(() => !isAlive(consumerPid), 'consumer to die');
    emit(producerDir, 'a2');
    emit(producerDir, 'a3');
    await waitUntil(() => readData(producerDir, 'emitted').split('\n').length > 3, 'producer to write a2, a3');
    await h.waitState(consumer, 'ready', 8000, () => consumer.status().pid !== consumerPid);
    await waitUntil(() => received(consumerDir).length === 3, 'a2, a3 after the consumer restart');
    expect(producer.status().pid).not.toBeNull(); // no SIGPIPE for the producer

    // Producer dies; the consumer sees no EOF and gets what the next producer writes.
    const producerPid = producer.status().pid!;
    process.kill(producerPid, 'SIGKILL');
    await h.waitState(producer, 'ready', 8000, () => producer.status().pid !== producerPid);
    emit(producerDir, 'a4');
    await waitUntil(() => received(consumerDir).length === 4, 'a4 after the producer restart');
    expect(received(consumerDir)).toEqual(['a1', 'a2', 'a3', 'a4']);
    expect(h.records.filter((r) => r.service === 'consumer' && r.type === 'run.exited')).toHaveLength(1);
  });

  it('createPipe at a path keeps the FIFO until close', () => {
    const path = join(h.root, 'fifo');
    const kept = createPipe(path);
    expect(kept.path).toBe(path);
    kept.close();
  });
});
