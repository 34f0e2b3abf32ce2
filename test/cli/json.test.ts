/**
 * `--json` on list, listall, diff, change/start/stop, reload, update, status
 * and the db queries, against a real supervisor: stdout holds JSON of the
 * shapes of docs/protocol.md ("JSON output"; types in protocol/jsonOutput.ts),
 * messages stay text on stderr, a fatal error is one line on stderr with its
 * exit code and nothing on stdout.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ChangeReport } from '../../protocol/changeReport.js';
import type { ChangeJsonLine, DbJson, DiffJson, ListJson, ReloadJsonLine, StatusJson, UpdateJsonLine } from '../../protocol/jsonOutput.js';
import { compileOrThrow, s6rc } from '../helpers/cli.js';
import { writeSource, type SourceService } from '../helpers/supervisor.js';
import { cleanupAll, notifying, oneshot, startLive } from './changeHelpers.js';

afterEach(cleanupAll);

const STACK: Record<string, SourceService> = {
  db: notifying({ files: { restart: 'on-failure\n', 'restart-backoff': '100 30000\n', 'notify-socket': '' } }),
  migrate: oneshot('/bin/true', { dependencies: ['db'], down: '/bin/sh -c "exit 0"' }),
  web: notifying({ dependencies: ['migrate'] }),
  broken: oneshot('/bin/false'),
  'needs-broken': oneshot('/bin/true', { dependencies: ['broken'] }),
  stack: { type: 'bundle', contents: ['db', 'web'] },
};

const ndjson = <T>(stdout: string): T[] =>
  stdout
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as T);

describe('--json on the s6-rc subcommands', () => {
  it('list and listall print one array, diff one object', () => {
    const l = startLive(STACK);
    expect(l.rc('change', 'migrate').code).toBe(0);
    const up = l.rc('-a', '--json', 'list');
    expect([up.code, JSON.parse(up.stdout) as ListJson, up.stdout.endsWith('\n')]).toEqual([0, ['db', 'migrate'], true]);
    expect(JSON.parse(l.rc('listall', '--json', 'web').stdout) as ListJson).toEqual(['db', 'migrate', 'web']);
    expect(JSON.parse(l.rc('--json', '-d', 'listall', 'db').stdout)).toEqual(['db', 'migrate', 'web']);
    expect(JSON.parse(l.rc('--json', 'list').stdout)).toEqual([]);
    const diff = l.rc('--json', 'diff');
    expect([diff.code, JSON.parse(diff.stdout) as DiffJson]).toEqual([0, { lines: [], unknown: [] }]);
  });

  it('change prints NDJSON: its id, plan and steps, then the report; failures stay warnings on stderr', () => {
    const l = startLive(STACK);
    const r = l.rc('--json', 'change', 'web', 'needs-broken');
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('s6rc: warning: unable to start service broken: command exited 1\n');
    const lines = ndjson<ChangeJsonLine>(r.stdout);
    expect(lines[0]).toEqual({ changeId: expect.any(Number) });
    expect(lines[1]).toMatchObject({ planned: { essentialKept: [] } });
    expect(lines.filter((m) => 'transition' in m)).toContainEqual({ transition: { service: 'broken', kind: 'up', step: 'failed', code: 1, signal: null, reason: 'command exited 1' } });
    const report = lines[lines.length - 1] as ChangeReport;
    expect(report).toEqual({
      exitCode: 1,
      changeId: (lines[0] as { changeId: number }).changeId,
      stoppedBy: null,
      done: [
        { service: 'db', kind: 'up' },
        { service: 'migrate', kind: 'up' },
        { service: 'web', kind: 'up' },
      ],
      failed: [{ service: 'broken', kind: 'up', code: 1, signal: null, reason: 'command exited 1' }],
      skipped: [{ service: 'needs-broken', kind: 'up', by: 'broken' }],
      inFlight: [],
      essentialKept: [],
    });

    // stop (= -d change) and a dry run: its lines as {out}, nothing changed.
    const dry = l.rc('-n0', 'stop', '--json', 'db');
    expect(dry.code).toBe(0);
    const dryLines = ndjson<ChangeJsonLine>(dry.stdout);
    expect(dryLines[0]).toEqual({ changeId: null });
    expect(dryLines.filter((m) => 'out' in m).map((m) => (m as { out: string }).out).join('')).toMatch(/^s6rc-dryrun: down web: SIGTERM\n/);
    expect(dryLines[dryLines.length - 1]).toMatchObject({ exitCode: 0, changeId: null, done: [{ service: 'web' }, { service: 'migrate' }, { service: 'db' }] });
    expect(l.up()).toEqual(['db', 'migrate', 'web']);
  });

  it('reload prints its change id, then its result', () => {
    const l = startLive(STACK);
    expect(l.rc('change', 'db').code).toBe(0);
    const r = l.rc('--json', 'reload', 'db');
    expect(r.code).toBe(0);
    expect(ndjson<ReloadJsonLine>(r.stdout)).toEqual([{ changeId: expect.any(Number) }, { services: ['db'], exitCode: 0 }]);
  });

  it('a fatal error is one line on stderr, its exit code, nothing on stdout', () => {
    const l = startLive(STACK);
    const cases: [string[], number, RegExp][] = [
      [['--json', 'change', 'zork'], 3, /^s6rc: fatal: unknown service name: zork\n$/],
      [['--json', 'list', 'zork'], 3, /^s6rc: fatal: unknown service name: zork\n$/],
      [['--json', '-t', 'soon', 'change', 'db'], 100, /^s6rc: fatal: option -t expects a non-negative integer, got 'soon' \(usage: .*\)\n$/],
    ];
    for (const [args, code, stderr] of cases) {
      const r = l.rc(...args);
      expect([r.code, r.stdout], args.join(' ')).toEqual([code, '']);
      expect(r.stderr, args.join(' ')).toMatch(stderr);
    }
    expect(l.run('shutdown').code).toBe(0);
    for (const sub of ['list', 'diff', 'change']) {
      const r = l.rc('--json', sub);
      expect([r.code, r.stdout, r.stderr], sub).toEqual([111, '', `s6rc: fatal: no supervisor is running on ${l.live} (${l.live}/control)\n`]);
    }
  });
});

describe('--json on the rest of the suite', () => {
  it('status (also as s6rc --json status) prints one array', () => {
    const l = startLive(STACK);
    const before = s6rc(['--json', '-l', l.live, 'status', 'db']);
    const rows = JSON.parse(before.stdout) as StatusJson;
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ name: 'db', type: 'longrun', state: 'down', fields: { up: 'false' } });
    expect(JSON.parse(l.run('status', '--json').stdout)).toHaveLength(5);
  });

  it('update prints its plan, its phases and its result', () => {
    const l = startLive(STACK);
    expect(l.rc('change', 'web').code).toBe(0);
    // migrate becomes a longrun: it restarts, and web with it.
    const source = join(l.root, 'source2');
    writeSource(source, { ...STACK, migrate: notifying({ dependencies: ['db'] }) });
    const compiled = compileOrThrow(join(l.root, 'compiled2'), source);
    const dry = ndjson<UpdateJsonLine>(l.run('update', '-n', '--json', compiled).stdout);
    expect(dry[0]).toEqual({ update: { compiled, stop: { migrate: 'type', web: 'dependent' }, start: ['migrate', 'web'], renamed: {}, restartedAs: {}, essentialKept: [] } });
    expect(dry[dry.length - 1]).toEqual({ exitCode: 0, switched: false });

    const r = l.run('update', '--json', compiled);
    expect(r.code).toBe(0);
    const lines = ndjson<UpdateJsonLine>(r.stdout);
    expect(lines.filter((m) => 'planned' in m)).toHaveLength(2);
    expect(lines.filter((m) => 'transition' in m && m.transition.step === 'succeeded').map((m) => 'transition' in m && `${m.transition.kind} ${m.transition.service}`)).toEqual([
      'down web',
      'down migrate',
      'up migrate',
      'up web',
    ]);
    expect(lines[lines.length - 1]).toEqual({ exitCode: 0, changeId: expect.any(Number), switched: true, stopped: ['migrate', 'web'], started: ['migrate', 'web'] });
  });

  it('db queries print one JSON value each', () => {
    const l = startLive(STACK);
    const db = <K extends keyof DbJson>(...args: string[]): DbJson[K] => {
      const r = s6rc(['db', '-c', l.compiled, '--json', ...args]);
      expect(r.code, args.join(' ')).toBe(0);
      return JSON.parse(r.stdout) as DbJson[K];
    };
    expect(db<'list'>('list', 'all')).toEqual(['broken', 'db', 'migrate', 'needs-broken', 'stack', 'web']);
    expect(db<'type'>('type', 'stack')).toBe('bundle');
    expect(db<'timeout'>('timeout', 'db')).toBe(0);
    expect(db<'contents'>('contents', 'stack')).toEqual(['db', 'web']);
    expect(db<'dependencies'>('-d', 'dependencies', 'db')).toEqual(['migrate']);
    expect(db<'all-dependencies'>('all-dependencies', 'web')).toEqual(['db', 'migrate', 'web']);
    expect(db<'atomics'>('atomics', 'stack', 'broken')).toEqual(['broken', 'db', 'web']);
    expect(db<'pipeline'>('pipeline', 'db')).toEqual([]);
    expect(db<'script'>('script', 'migrate')).toEqual({ kind: 'argv', argv: ['/bin/true'] });
    expect(db<'script'>('-d', 'script', 'migrate')).toEqual({ kind: 'argv', argv: ['/bin/sh', '-c', 'exit 0'] });
    expect(db<'script'>('-d', 'script', 'broken')).toBeNull();
    expect(db<'flags'>('flags', 'db')).toEqual({ flags: 0, essential: false });
    expect(db<'settings'>('settings', 'db')).toEqual({ restart: 'on-failure', 'restart-backoff': { min: 100, max: 30000 }, 'notify-socket': true });
    expect(db<'settings'>('settings', 'web')).toEqual({});
    // --json before db, and an error: one line, no JSON.
    expect(JSON.parse(s6rc(['--json', '-l', l.live, 'db', 'type', 'db']).stdout)).toBe('longrun');
    const unknown = s6rc(['db', '-c', l.compiled, '--json', 'type', 'zork']);
    expect([unknown.code, unknown.stdout, unknown.stderr]).toEqual([3, '', 's6rc: fatal: unknown service name: zork\n']);
  });
});
