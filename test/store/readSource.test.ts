import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { closeSync, constants as fsConstants, openSync, renameSync, rmSync, symlinkSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { compileSources } from '../../store/source/compileSources.js';
import { defaultNotifyOnCheck, parseNotifyOnCheck } from '../../store/source/notifyOnCheck.js';
import { parseNameList, parseUint } from '../../store/source/lines.js';
import type { Bundle, Longrun, Oneshot } from '../../machines/model.js';
import { bundle, longrun, oneshot, scratch, writeTree } from '../helpers/sourceTree.js';

let dir: string;
let cleanup: () => void;
beforeEach(() => ({ dir, cleanup } = scratch()));
afterEach(() => cleanup());

const src = (tree: Parameters<typeof writeTree>[1], name = 'src') => writeTree(join(dir, name), tree);

describe('name lists and numbers', () => {
  it('reads contents/dependencies files as s6-rc-compile does', () => {
    expect(parseNameList('a\n  b\n\t c \n#comment\n  #indented comment\n\nd')).toEqual(['a', 'b', 'c ', 'd']);
  });
  it('reads unsigned integers with trailing whitespace', () => {
    expect(parseUint('5000\n')).toBe(5000);
    expect(parseUint(' 0 ')).toBe(0);
    expect(parseUint('-1')).toBeNull();
    expect(parseUint('1e3')).toBeNull();
    expect(parseUint('')).toBeNull();
  });
});

describe('notifyoncheck', () => {
  it("uses s6-notifyoncheck's defaults for an empty file", () => {
    expect(parseNotifyOnCheck('')).toEqual({ initialSleep: 10, globalTimeout: 0, localTimeout: 0, waitingTime: 1000, tries: 7, checkProgram: ['./data/check'] });
    expect(parseNotifyOnCheck('\n')).toEqual(defaultNotifyOnCheck());
  });
  it('parses separate and attached option arguments, clusters and -c', () => {
    expect(parseNotifyOnCheck('-s 5 -T3000 -t 200 -w 50 -n 0 -d -3 4 -c "./data/probe --quick"')).toEqual({
      initialSleep: 5,
      globalTimeout: 3000,
      localTimeout: 200,
      waitingTime: 50,
      tries: 0,
      checkProgram: ['./data/probe', '--quick'],
    });
    expect(parseNotifyOnCheck('-dn3').tries).toBe(3);
  });
  it('rejects unknown options, missing and non-numeric arguments', () => {
    expect(() => parseNotifyOnCheck('-x')).toThrow('unknown option -x');
    expect(() => parseNotifyOnCheck('-s')).toThrow('requires an argument');
    expect(() => parseNotifyOnCheck('-w soon')).toThrow("expects a non-negative integer, got 'soon'");
    expect(() => parseNotifyOnCheck('check')).toThrow('unexpected argument');
  });
});

describe('compileSources', () => {
  it('reports how many definitions each source directory holds before reading them', () => {
    const counts: number[] = [];
    compileSources([src({ ...oneshot('a'), ...oneshot('b'), '.hidden/type': 'oneshot\n', 'not-a-dir': '' }), src(longrun('c'), 'src2')], { onDefinitions: (n) => counts.push(n) });
    expect(counts).toEqual([2, 1]);
  });

  it('reads bundles from contents.d and contents, nested, with flag-essential inherited', () => {
    const model = compileSources([
      src({
        ...oneshot('a'),
        ...oneshot('b'),
        ...longrun('c'),
        ...bundle('inner', ['a', '  b', '# not c']),
        'outer/type': 'bundle\n',
        'outer/contents.d/inner': '',
        'outer/contents.d/c': '',
        'outer/contents.d/.hidden': '',
        'outer/contents': 'ignored-when-contents.d-exists\n',
        'outer/flag-essential': '',
      }),
    ]);
    const outer = model.services.get('outer') as Bundle;
    expect(outer.contents).toEqual(['c', 'inner']);
    expect(outer.atomics).toEqual(['a', 'b', 'c']);
    expect((model.services.get('inner') as Bundle).atomics).toEqual(['a', 'b']);
    for (const n of ['outer', 'inner', 'a', 'b', 'c']) expect(model.services.get(n)!.essential).toBe(true);
    expect(model.atomics).toEqual(['a', 'b', 'c']);
  });

  it('resolves dependencies (a bundle means its atomics) and reverse dependencies', () => {
    const model = compileSources([
      src({
        ...oneshot('a'),
        ...oneshot('b'),
        ...bundle('ab', ['a', 'b']),
        ...oneshot('c', '/bin/true\n', { 'dependencies.d/ab': '', 'timeout-up': '1500\n', 'timeout-down': '0\n' }),
        ...oneshot('d', '/bin/true\n', { dependencies: '# deps\n  c\na\n' }),
      }),
    ]);
    const c = model.services.get('c') as Oneshot;
    expect(c.dependencies).toEqual(['a', 'b']);
    expect([c.timeoutUp, c.timeoutDown]).toEqual([1500, 0]);
    expect((model.services.get('d') as Oneshot).dependencies).toEqual(['a', 'c']);
    expect(model.dependents.get('a')).toEqual(['c', 'd']);
    expect(model.dependents.get('d')).toEqual([]);
  });

  it('lexes up/down as execline, keeps #! scripts, treats an absent or empty down as null', () => {
    const model = compileSources([
      src({
        ...oneshot('lexed', 'if { test -d /tmp } echo "a b"\n', { down: '# nothing\n' }),
        ...oneshot('script', '#!/bin/sh\necho "$HOME"\n', { down: '#!/bin/sh\nexit 0\n' }),
        ...oneshot('plain'),
      }),
    ]);
    const lexed = model.services.get('lexed') as Oneshot;
    expect(lexed.up).toEqual({ kind: 'argv', argv: ['if', ' test', ' -d', ' /tmp', '', 'echo', 'a b'] });
    expect(lexed.down).toBeNull();
    const script = model.services.get('script') as Oneshot;
    expect(script.up).toEqual({ kind: 'script', script: '#!/bin/sh\necho "$HOME"\n' });
    expect(script.down).toEqual({ kind: 'script', script: '#!/bin/sh\nexit 0\n' });
    expect((model.services.get('plain') as Oneshot).down).toBeNull();
  });

  it('lexes an up/down whose #! line names execlineb as s6-rc does (the line is a comment), keeps other #! scripts', () => {
    const body = 'foreground { echo "a b" }\necho $1 $@ done\n';
    const argv = ['foreground', ' echo', ' a b', '', 'echo', '$1', '$@', 'done'];
    const lexed = [
      '#!/bin/execlineb -P',
      '#!/usr/bin/execlineb -S0',
      '#!/command/execlineb -S1',
      '#! /bin/execlineb',
      '#!/usr/bin/env execlineb',
      '#!/usr/bin/env -S execlineb -P',
      '#!/usr/bin/env -i PATH=/bin execlineb -P',
    ];
    const kept = ['#!/bin/sh', '#!/usr/bin/env python3', '#!/usr/bin/env -S python3 -u', '#!/bin/execlineb-static', '#!/usr/bin/env -u execlineb sh', '#!/opt/execlineb/bin/sh'];
    const tree = Object.assign({}, ...[...lexed, ...kept].map((line, i) => oneshot(`s${i}`, `${line}\n${body}`, { down: `${line}\n${body}` })));
    const model = compileSources([src(tree)]);
    lexed.forEach((line, i) => {
      const s = model.services.get(`s${i}`) as Oneshot;
      expect([line, s.up, s.down]).toEqual([line, { kind: 'argv', argv }, { kind: 'argv', argv }]);
    });
    kept.forEach((line, j) => {
      const s = model.services.get(`s${lexed.length + j}`) as Oneshot;
      expect([line, s.up]).toEqual([line, { kind: 'script', script: `${line}\n${body}` }]);
    });
  });

  it('keeps an empty up as an empty argv (s6-rc: an empty script does nothing and succeeds)', () => {
    const model = compileSources([src(oneshot('noop', '# nothing to do\n'))]);
    expect((model.services.get('noop') as Oneshot).up).toEqual({ kind: 'argv', argv: [] });
  });

  it('stores every longrun file with its mode, data/ and env/ recursively, and ignores down and log/', () => {
    const model = compileSources([
      src({
        ...longrun('svc', {
          run: { content: '#!/bin/sh\nexec true\n', mode: 0o644 },
          finish: { content: '#!/bin/sh\necho $1\n', mode: 0o700 },
          'notification-fd': '3\n',
          'timeout-kill': '2000\n',
          'timeout-finish': '100\n',
          'max-death-tally': '99999\n',
          'down-signal': 'HUP\n',
          'lock-fd': '5\n',
          notifyoncheck: '-w 20\n',
          'data/check': { content: '#!/bin/sh\nexit 0\n', mode: 0o750 },
          'data/conf/app.ini': { content: 'x=1\n', mode: 0o600 },
          'data/link': { symlink: 'conf/app.ini' },
          'env/PORT': '8080\n',
          down: '',
          'log/run': '#!/bin/sh\n',
          'unknown-file': 'ignored\n',
        }),
      }),
    ]);
    const svc = model.services.get('svc') as Longrun;
    expect(svc).toMatchObject({
      notificationFd: 3,
      timeoutKill: 2000,
      timeoutFinish: 100,
      maxDeathTally: 4096,
      downSignal: 'SIGHUP',
      lockFd: 5,
      notifyOnCheck: { ...defaultNotifyOnCheck(), waitingTime: 20 },
    });
    const files = Object.fromEntries(svc.files.map((f) => [f.path, { kind: f.kind, mode: f.mode, content: f.content.toString() }]));
    expect(Object.keys(files).sort()).toEqual(
      ['data', 'data/check', 'data/conf', 'data/conf/app.ini', 'data/link', 'down-signal', 'env', 'env/PORT', 'finish', 'lock-fd', 'max-death-tally', 'notification-fd', 'notifyoncheck', 'run', 'timeout-finish', 'timeout-kill'].sort(),
    );
    expect(files.run).toEqual({ kind: 'file', mode: 0o755, content: '#!/bin/sh\nexec true\n' });
    expect(files.finish.mode).toBe(0o755);
    expect(files['data/check']).toEqual({ kind: 'file', mode: 0o750, content: '#!/bin/sh\nexit 0\n' });
    expect(files['data/conf/app.ini']).toEqual({ kind: 'file', mode: 0o600, content: 'x=1\n' });
    expect(files['data/link']).toMatchObject({ kind: 'symlink', content: 'conf/app.ini' });
    expect(files['data/conf'].kind).toBe('dir');
    expect(files['notification-fd'].content).toBe('3\n');
    expect(files['max-death-tally'].content).toBe('4096\n');
    expect(files['down-signal'].content).toBe('SIGHUP\n');
  });

  it('applies longrun defaults', () => {
    const model = compileSources([src(longrun('svc'))]);
    expect(model.services.get('svc')).toMatchObject({
      notificationFd: null,
      timeoutKill: 0,
      timeoutFinish: 5000,
      maxDeathTally: 100,
      downSignal: 'SIGTERM',
      lockFd: null,
      notifyOnCheck: null,
      producerFor: null,
      consumerFor: [],
      pipelineName: null,
    });
  });

  it('builds pipelines: funnels, producers first, a bundle for pipeline-name, producers depending on their consumer', () => {
    const model = compileSources([
      src({
        ...longrun('web1', { 'producer-for': 'filter\n' }),
        ...longrun('web2', { 'producer-for': 'filter\n' }),
        ...longrun('filter', { 'consumer-for': 'web2\nweb1\n', 'producer-for': 'logger\n' }),
        ...longrun('logger', { 'consumer-for': 'filter\n', 'pipeline-name': 'weblog\n' }),
        ...longrun('solo-producer', { 'producer-for': 'solo-log\n' }),
        ...longrun('solo-log', { 'consumer-for': 'solo-producer\n' }),
        ...bundle('everything', ['weblog', 'solo-log']),
      }),
    ]);
    expect(model.pipelines).toEqual([
      { name: 'weblog', members: ['web1', 'web2', 'filter', 'logger'] },
      { name: null, members: ['solo-producer', 'solo-log'] },
    ]);
    expect(model.services.get('weblog')).toEqual({ name: 'weblog', type: 'bundle', essential: false, contents: ['filter', 'logger', 'web1', 'web2'], atomics: ['filter', 'logger', 'web1', 'web2'] });
    expect((model.services.get('everything') as Bundle).atomics).toEqual(['filter', 'logger', 'solo-log', 'web1', 'web2']);
    const filter = model.services.get('filter') as Longrun;
    expect(filter.consumerFor).toEqual(['web1', 'web2']);
    expect(filter.producerFor).toBe('logger');
    expect(filter.dependencies).toEqual(['logger']);
    expect((model.services.get('web1') as Longrun).dependencies).toEqual(['filter']);
    expect((model.services.get('logger') as Longrun).pipelineName).toBe('weblog');
  });

  it('ignores pipeline-name anywhere but on a last consumer, with a warning', () => {
    const warnings: string[] = [];
    const model = compileSources(
      [
        src({
          ...longrun('p', { 'producer-for': 'c\n', 'pipeline-name': 'wrong\n' }),
          ...longrun('c', { 'consumer-for': 'p\n' }),
        }),
      ],
      { log: (level, m) => level === 'warning' && warnings.push(m) },
    );
    expect(model.services.has('wrong')).toBe(false);
    expect(model.pipelines).toEqual([{ name: null, members: ['p', 'c'] }]);
    expect(warnings).toEqual([expect.stringContaining('p/pipeline-name ignored')]);
  });

  it('follows a symlink to a definition directory and symlinked files in one', () => {
    const root = src({
      'real/type': 'oneshot\n',
      'real/up': { symlink: 'up.execline' },
      'real/up.execline': '/bin/echo linked\n',
      'real/dependencies.d/base': '',
      ...oneshot('base'),
      ...longrun('daemon', { run: { symlink: '../../daemon-run' } }),
    });
    writeTree(dir, { 'daemon-run': '#!/bin/sh\nexec sleep 1\n' });
    symlinkSync(join(root, 'real'), join(root, 'linked'));
    const model = compileSources([root]);
    expect(model.atomics).toEqual(['base', 'daemon', 'linked', 'real']);
    expect(model.services.get('linked')).toEqual({ ...model.services.get('real'), name: 'linked' });
    expect((model.services.get('linked') as Oneshot).up).toEqual({ kind: 'argv', argv: ['/bin/echo', 'linked'] });
    expect((model.services.get('linked') as Oneshot).dependencies).toEqual(['base']);
    const run = (model.services.get('daemon') as Longrun).files.find((f) => f.path === 'run')!;
    expect(run).toMatchObject({ kind: 'file', mode: 0o755 });
    expect(run.content.toString()).toBe('#!/bin/sh\nexec sleep 1\n');
  });

  it('takes dependencies.d entries as names only (a dangling symlink there names a service), copies data/ links as links', () => {
    const model = compileSources([
      src({
        ...oneshot('base'),
        ...longrun('svc', { 'dependencies.d/base': { symlink: '/nonexistent/base' }, 'data/stale': { symlink: 'gone' } }),
        'skipped': { symlink: 'svc/type' },
      }),
    ]);
    expect(model.atomics).toEqual(['base', 'svc']);
    const svc = model.services.get('svc') as Longrun;
    expect(svc.dependencies).toEqual(['base']);
    expect(svc.files.find((f) => f.path === 'data/stale')).toMatchObject({ kind: 'symlink', content: Buffer.from('gone') });
  });

  it('merges several source directories and skips dot entries and plain files', () => {
    const model = compileSources([
      src({ ...oneshot('a'), '.hidden/type': 'nonsense\n', 'README': 'not a service\n' }, 'one'),
      src({ ...oneshot('b', '/bin/true\n', { dependencies: 'a\n' }) }, 'two'),
    ]);
    expect(model.atomics).toEqual(['a', 'b']);
    expect((model.services.get('b') as Oneshot).dependencies).toEqual(['a']);
  });

  it('reports progress at verbosity 2', () => {
    const info: string[] = [];
    compileSources([src(oneshot('a'))], { verbosity: 2, log: (level, m) => level === 'info' && info.push(m) });
    expect(info).toEqual([`parsing ${join(dir, 'src')}`, 'resolved 1 atomic services, 0 bundles, 0 pipelines']);
  });
});

describe('special files in a definition', () => {
  // Found by test/reliability/fuzz-source.test.ts, seed 441436246: a `type` that was a FIFO
  // blocked compile in open(2) forever (waiting for a writer) instead of failing.
  it('refuses a FIFO (with or without a writer) or a device as a file, without blocking', () => {
    const tree = src({ ...oneshot('a'), ...longrun('b') });
    execFileSync('mkfifo', [join(tree, 'a', 'up-fifo')]);
    rmSync(join(tree, 'a', 'up'));
    renameSync(join(tree, 'a', 'up-fifo'), join(tree, 'a', 'up'));
    expect(() => compileSources([tree])).toThrow(`not a regular file in ${join(tree, 'a', 'up')}`);
    rmSync(join(tree, 'a'), { recursive: true });
    rmSync(join(tree, 'b', 'type'));
    execFileSync('mkfifo', [join(tree, 'b', 'type')]);
    expect(() => compileSources([tree])).toThrow(`not a regular file in ${join(tree, 'b', 'type')}`);
    // A FIFO with a writer that wrote nothing yet: the read would block (EAGAIN when non-blocking).
    const writer = openSync(join(tree, 'b', 'type'), fsConstants.O_RDWR);
    try {
      expect(() => compileSources([tree])).toThrow(`not a regular file in ${join(tree, 'b', 'type')}`);
    } finally {
      closeSync(writer);
    }
    rmSync(join(tree, 'b', 'type'));
    symlinkSync('/dev/null', join(tree, 'b', 'type'));
    expect(() => compileSources([tree])).toThrow(`not a regular file in ${join(tree, 'b', 'type')}`);
  });

  it('still reads an empty regular file as empty', () => {
    const tree = src(oneshot('a', ''));
    const model = compileSources([tree]);
    expect((model.services.get('a') as Oneshot).up).toEqual({ kind: 'argv', argv: [] });
  });
});
