/**
 * What health probes cost the supervisor (standalone, not in `npm run bench`):
 *
 *   npm run build && node dist/bench/probeCost.js [count] [seconds]
 *
 * A child process opens `count` (1000) tcp listeners on 127.0.0.1; this
 * process, standing in for the supervisor, runs `count` liveness probes
 * (`tcp 127.0.0.1:PORT -w 1000`) against them for `seconds` (10) after a
 * warm-up, and reports its own CPU time (user + system, process.cpuUsage) as
 * a share of one core; the target is < 5 %. Then `count` readiness probes
 * (-s 10, notifyoncheck's default) against the same open ports: ms until all
 * are ready. The child counts the connections it accepts, so the attempt rate
 * is measured rather than assumed. S6RC_PROBE_CONNECT=net measures the
 * net.Socket path (tcpConnect.ts); load average is printed, since CPU time per
 * connect grows on a busy host.
 */
import { fork } from 'node:child_process';
import { createServer, type Socket } from 'node:net';
import { availableParallelism, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { runReadinessProbe, watchLiveness } from '../actors/service/probes.js';
import { connectPath } from '../actors/service/tcpConnect.js';
import type { Probe } from '../machines/model.js';

const TARGET_PERCENT = 5;

function probe(port: number, overrides: Partial<Probe>): Probe {
  return {
    kind: 'tcp',
    target: `127.0.0.1:${port}`,
    initialSleep: 0,
    globalTimeout: 0,
    localTimeout: 0,
    waitingTime: 1000,
    tries: 0,
    checkProgram: [],
    failureThreshold: 3,
    ...overrides,
  };
}

/** The child: `count` listeners; sends their ports, then answers 'count' with the connections accepted so far. */
async function listeners(count: number): Promise<void> {
  let accepted = 0;
  const onConnection = (socket: Socket) => {
    accepted++;
    socket.on('error', () => {});
    socket.resume(); // see the probe's FIN, and close
  };
  const ports: number[] = [];
  for (let i = 0; i < count; i++) {
    const server = createServer(onConnection);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    ports.push((server.address() as { port: number }).port);
  }
  process.on('message', (m) => {
    if (m === 'count') process.send!({ accepted });
  });
  process.on('disconnect', () => process.exit(0));
  process.send!({ ports });
}

function ask(child: ReturnType<typeof fork>): Promise<number> {
  return new Promise((resolve) => {
    child.once('message', (m) => resolve((m as { accepted: number }).accepted));
    child.send('count');
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function sockets(): number {
  return process.getActiveResourcesInfo().filter((t) => t === 'TCPSocketWrap').length;
}

async function measure(count: number, seconds: number): Promise<void> {
  const child = fork(fileURLToPath(import.meta.url), ['--listeners', String(count)], { stdio: 'inherit' });
  try {
    const ports = await new Promise<number[]>((resolve) => child.once('message', (m) => resolve((m as { ports: number[] }).ports)));

    // Liveness: started spread over one interval, as services that came up at different moments.
    const deaths: string[] = [];
    const cancels = ports.map((port, i) => watchLiveness(probe(port, { initialSleep: Math.floor((i * 1000) / count) }), '/', (r) => deaths.push(r)));
    await sleep(2000); // warm-up: every probe has run, the JIT has settled
    const accepted0 = await ask(child);
    const cpu0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    await sleep(seconds * 1000);
    const cpu = process.cpuUsage(cpu0);
    const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
    const attempts = (await ask(child)) - accepted0;
    for (const cancel of cancels) cancel();
    const percent = ((cpu.user + cpu.system) / 1000 / wallMs) * 100;
    console.log(`load average ${loadavg().map((l) => l.toFixed(2)).join(' ')} on ${availableParallelism()} cores`);
    console.log(
      `liveness: ${count} tcp probes -w 1000 (connects through ${connectPath() === 'handle' ? 'the tcp handle' : 'net.Socket'}) for ${(wallMs / 1000).toFixed(1)} s: ${attempts} attempts (${((attempts / wallMs) * 1000).toFixed(0)}/s), ` +
        `CPU ${percent.toFixed(2)} % of one core (user ${(cpu.user / 1000).toFixed(0)} ms, system ${(cpu.system / 1000).toFixed(0)} ms), ` +
        `${(((cpu.user + cpu.system) / Math.max(1, attempts)) | 0)} µs per attempt; ${deaths.length} deaths; target < ${TARGET_PERCENT} %: ${percent < TARGET_PERCENT ? 'ok' : 'MISSED'}`,
    );
    await sleep(100);
    console.log(`after cancel: ${sockets()} tcp sockets open in the measuring process`);

    // Readiness: all ports already open; how long until every probe has said ready.
    const r0 = process.hrtime.bigint();
    let ready = 0;
    await new Promise<void>((resolve) => {
      for (const port of ports) {
        runReadinessProbe(probe(port, { initialSleep: 10, tries: 7 }), '/', (outcome) => {
          if (!outcome.ready) console.log(`not ready: ${outcome.reason}`);
          if (++ready === count) resolve();
        });
      }
    });
    console.log(`readiness: ${count} tcp probes (-s 10) against open ports: all done in ${(Number(process.hrtime.bigint() - r0) / 1e6).toFixed(1)} ms`);
  } finally {
    child.kill('SIGKILL');
  }
}

const args = process.argv.slice(2);
if (args[0] === '--listeners') {
  void listeners(Number(args[1]));
} else {
  measure(Number(args[0] ?? 1000), Number(args[1] ?? 10)).catch((error) => {
    console.error(`probeCost: ${error?.stack ?? error}`);
    process.exitCode = 1;
  });
}
