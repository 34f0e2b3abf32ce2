import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { S6RC, s6rc, tempDir } from '../helpers/cli.js';
import { isAlive, processesUnder, readPid, until, writeSource, type SourceService } from '../helpers/supervisor.js';

interface Booted {
  child: ChildProcess;
  live: string;
  root: string;
  out: () => string;
  err: () => string;
  exit: Promise<number | null>;
}

const started: Booted[] = [];
const cleanups: (() => void)[] = [];
afterEach(() => {
  // Whatever the test did, nothing it started survives it: boot, its supervisor, the services.
  for (const b of started.splice(0)) {
    const pids = new Set(processesUnder(b.live));
    const sup = readPid(join(b.live, 'pid'));
    if (sup) pids.add(sup);
    if (b.child.pid && b.child.exitCode === null) pids.add(b.child.pid);
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
  }
  for (const c of cleanups.splice(0)) c();
});

const STACK: Record<string, SourceService> = {
  db: { type: 'longrun', run: 'sleep 0.2; printf "ready\\n" >&3; exec sleep 1000', notificationFd: 3 },
  migrate: { type: 'oneshot', up: '/bin/sh -c "echo migrated > \\"$S6RC_TEST_MARK\\""', dependencies: ['db'] },
  app: { type: 'longrun', run: 'exec sleep 1000', dependencies: ['migrate'] },
  default: { type: 'bundle', contents: ['app'] },
  extra: { type: 'longrun', run: 'exec sleep 1000' },
};

function boot(services: Record<string, SourceService>, args: string[] = [], useCompiled = false, tty = false): Booted {
  const t = tempDir('s6rc-boot-');
  const source = join(t.dir, 'source');
  writeSource(source, services);
  let target = source;
  if (useCompiled) {
    target = join(t.dir, 'compiled');
    expect(s6rc(['compile', target, source]).code).toBe(0);
  }
  const live = join(t.dir, 'live');
  const argv = [S6RC, 'boot', '-l', live, target, ...args];
  // The supervisor passes its environment to oneshots: MARK tells `migrate` where to write.
  const env = { ...process.env, S6RC_STORE: '', NO_COLOR: '', S6RC_TEST_MARK: join(t.dir, 'migrated') };
  delete (env as Record<string, string | undefined>).NO_COLOR;
  // On a terminal Node colours unless told otherwise; CI=true (set by .ci/run) tells it a CI log has no colours.
  const ttyEnv: Record<string, string | undefined> = { ...env, TERM: 'xterm', SHELL: '/bin/sh' };
  delete ttyEnv.CI;
  const child = tty
    ? // `exec`: no shell stays between the terminal and boot, or Ctrl-C would kill that shell too (dash dies of
      // SIGINT while its child handles it, and `script` then reports 130 whatever boot returned).
      spawn('script', ['-qfec', ['exec', process.execPath, ...argv].map((a) => `'${a}'`).join(' '), '/dev/null'], { env: ttyEnv, stdio: ['pipe', 'pipe', 'pipe'] })
    : spawn(process.execPath, argv, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (err += d));
  const exit = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
  const b: Booted = { child, live, root: t.dir, out: () => out, err: () => err, exit };
  started.push(b);
  cleanups.push(t.cleanup);
  return b;
}

function statusJson(live: string): { name: string; type: string; state: string; pid: number | null }[] {
  const r = s6rc(['status', '-l', live, '--json']);
  return JSON.parse(r.stdout);
}

describe('s6rc boot', () => {
  it('compiles, supervises, brings bundle default up with progress lines, and SIGINT brings it all down in reverse order', async () => {
    const b = boot(STACK);
    await until(() => b.err().includes('Ctrl-C'), 30_000, 'boot to bring default up');
    expect(b.err()).toMatch(/s6rc: info: supervisor \d+ running on .*; bringing up default\n/);
    expect(b.err()).toContain('s6rc: info: service db successfully started\n');
    expect(b.err()).toContain('s6rc: info: default up; Ctrl-C (SIGINT) or SIGTERM brings everything down\n');
    const status = statusJson(b.live);
    const byName = Object.fromEntries(status.map((s) => [s.name, s]));
    expect(byName.app.state).toBe('ready');
    expect(byName.db.state).toBe('ready');
    expect(byName.migrate.state).toBe('ready');
    expect(byName.extra.state).toBe('down');
    expect(readFileSync(join(b.root, 'migrated'), 'utf8')).toBe('migrated\n');
    const supervisor = readPid(join(b.live, 'pid'))!;
    const pids = [byName.app.pid!, byName.db.pid!];
    for (const p of pids) expect(isAlive(p)).toBe(true);

    b.child.kill('SIGINT');
    expect(await b.exit).toBe(0);
    const err = b.err();
    expect(err.indexOf('service app successfully stopped')).toBeLessThan(err.indexOf('service db: stopping'));
    expect(err).toMatch(/s6rc: info: supervisor stopped; history: s6rc history -l .*\n$/);
    for (const p of [...pids, supervisor]) expect(isAlive(p)).toBe(false);
    expect(processesUnder(b.live)).toEqual([]);
  });

  it('takes a compiled database and a selection; a failed selection exits with the change code after SIGTERM', async () => {
    const b = boot({ ...STACK, broken: { type: 'oneshot', up: '/bin/sh -c "exit 4"' } }, ['extra', 'broken'], true);
    await until(() => b.err().includes('Ctrl-C'), 30_000, 'boot to finish the change');
    expect(b.err()).toContain('s6rc: warning: unable to start service broken: command exited 4\n');
    expect(b.err()).toContain('s6rc: warning: bringing extra broken up failed (exit 1); still supervising what runs. Ctrl-C brings everything down\n');
    const byName = Object.fromEntries(statusJson(b.live).map((s) => [s.name, s]));
    expect(byName.extra.state).toBe('ready');
    expect(byName.db.state).toBe('down');
    b.child.kill('SIGTERM');
    expect(await b.exit).toBe(1);
    expect(isAlive(byName.extra.pid!)).toBe(false);
    // The history survives the boot: the change and the shutdown are recorded.
    expect(existsSync(join(b.live, 'events.db'))).toBe(true);
  });

  it('on a terminal, shows a live per-service view', async () => {
    const b = boot(STACK, [], false, true);
    await until(() => b.out().includes('Ctrl-C'), 30_000, 'boot to bring default up');
    await until(() => /● app\s+ready/.test(b.out().replace(/\x1b\[[0-9;]*m/g, '')), 5_000, 'the view to show app ready');
    const plain = b.out().replace(/\x1b\[[0-9;]*m/g, '');
    expect(plain).toMatch(/● db\s+ready\s+longrun {2}pid \d+/);
    expect(plain).toMatch(/· extra\s+down\s+longrun/);
    expect(b.out()).toMatch(/\x1b\[32m●/); // ready in green
    b.child.stdin!.write('\x03'); // Ctrl-C, through the terminal
    expect(await b.exit).toBe(0);
    expect(b.out().replace(/\x1b\[[0-9;]*m/g, '')).toMatch(/· app\s+down/);
  });

  it("the README's `npm start`: on a terminal, Ctrl-C brings the example stack down in order and npm exits 0", async () => {
    // The project's own start script, run by npm in a pseudo-terminal; only the build step is left out
    // (it would rewrite dist/ under other tests): a project directory whose files are this one's.
    const repo = resolve(__dirname, '../..');
    const start: string = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')).scripts.start;
    const build = 'npm run build --silent && ';
    expect(start.startsWith(build)).toBe(true);
    const t = tempDir('s6rc-npm-start-');
    cleanups.push(t.cleanup);
    const project = join(t.dir, 'project');
    mkdirSync(project);
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 's6rc-start', private: true, scripts: { start: start.slice(build.length) } }));
    for (const f of ['bin', 'dist', 'examples', 'node_modules']) symlinkSync(join(repo, f), join(project, f));
    const live = join(t.dir, 'live');
    const env: Record<string, string | undefined> = {
      ...process.env,
      S6RC_LIVE: live,
      S6RC_STORE: '',
      WEBSTACK_STATE: join(t.dir, 'state'),
      TERM: 'xterm',
      SHELL: '/bin/sh',
      npm_config_update_notifier: 'false',
    };
    delete env.CI;
    const child = spawn('script', ['-qfec', 'exec npm start', '/dev/null'], { cwd: project, env, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (out += d));
    const exit = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
    // Cleanup by pid: npm and boot work in the project directory, the supervisor and services in live.
    started.push({ child, live: t.dir, root: t.dir, out: () => out, err: () => out, exit });
    const plain = () => out.replace(/\x1b\[[0-9;?]*[a-zA-Z]/g, '');
    await until(() => plain().includes('default up; Ctrl-C'), 60_000, 'npm start to bring default up');
    const supervisor = readPid(join(live, 'pid'))!;
    const services = statusJson(live).filter((s) => s.pid !== null).map((s) => s.pid!);
    expect(services.length).toBeGreaterThanOrEqual(3);
    child.stdin!.write('\x03'); // Ctrl-C, through the terminal: SIGINT to npm and boot
    expect(await exit).toBe(0);
    const text = plain();
    expect(text).not.toContain('second SIGINT');
    expect(text).toContain('s6rc: info: SIGINT: bringing every service down');
    expect(text.indexOf('service api successfully stopped')).toBeLessThan(text.indexOf('service db: stopping'));
    expect(text).toMatch(/s6rc: info: supervisor stopped; history: s6rc history -l /);
    for (const p of [...services, supervisor]) expect(isAlive(p)).toBe(false);
    expect(processesUnder(t.dir)).toEqual([]);
  });

  it('SIGHUP recompiles the source and updates: only what changed restarts, new members of the selection come up, a compile error changes nothing', async () => {
    const b = boot(STACK);
    await until(() => b.err().includes('Ctrl-C'), 30_000, 'boot to bring default up');
    const before = Object.fromEntries(statusJson(b.live).map((s) => [s.name, s]));
    const source = join(b.root, 'source');
    // app becomes a oneshot (a type change: it restarts); web is new in the bundle; db and migrate are untouched.
    writeSource(source, {
      app: { type: 'oneshot', up: '/bin/true' },
      web: { type: 'longrun', run: 'exec sleep 1000', dependencies: ['db'] },
      default: { type: 'bundle', contents: ['app', 'web'] },
    });
    rmSync(join(source, 'app', 'run'));
    b.child.kill('SIGHUP');
    await until(() => b.err().includes('s6rc: info: reloaded: update exited 0, bringing default up exited 0'), 30_000, 'the reload');
    const after = Object.fromEntries(statusJson(b.live).map((s) => [s.name, s]));
    expect(after.db.pid).toBe(before.db.pid);
    expect(after.app.type).toBe('oneshot');
    expect(after.app.state).toBe('ready');
    expect(isAlive(before.app.pid!)).toBe(false);
    expect(after.web.state).toBe('ready');
    expect(s6rc(['-l', b.live, 'db', 'type', 'app']).stdout).toBe('oneshot\n');

    writeFileSync(join(source, 'web', 'type'), 'daemon\n');
    b.child.kill('SIGHUP');
    await until(() => /nothing changed\n/.test(b.err()), 30_000, 'the failed reload');
    expect(b.err()).toMatch(/s6rc: warning: .*web.*type.*; nothing changed\n/);
    expect(statusJson(b.live).find((s) => s.name === 'web')!.pid).toBe(after.web.pid);

    b.child.kill('SIGTERM');
    expect(await b.exit).toBe(0);
    const history = s6rc(['history', '-l', b.live, '--changes', '--json']).stdout.trim().split('\n');
    const changes = history.map((line) => JSON.parse(line) as { argv: string[] });
    expect(changes.some((c) => c.argv.join(' ').endsWith('(SIGHUP)'))).toBe(true);
  });

  it('bad input: no such source 111, unknown service 3, missing operand 100', () => {
    const t = tempDir();
    try {
      const none = s6rc(['boot', '-l', join(t.dir, 'live'), join(t.dir, 'nope')]);
      expect(none.code).toBe(111);
      expect(none.stderr).toMatch(/^s6rc: fatal: unable to read .*nope: ENOENT.*\n$/);
      writeSource(join(t.dir, 'src'), STACK);
      const unknown = s6rc(['boot', '-l', join(t.dir, 'live'), join(t.dir, 'src'), 'zork']);
      expect(unknown.code).toBe(3);
      expect(unknown.stderr).toBe('s6rc: fatal: unknown service name: zork\n');
      expect(existsSync(join(t.dir, 'live'))).toBe(false);
      expect(s6rc(['boot']).code).toBe(100);
    } finally {
      t.cleanup();
    }
  });
});
