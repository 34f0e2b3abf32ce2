import { describe, expect, it } from 'vitest';
import { parseOptions, type CommandSpec } from '../cli/options.js';
import { Fatal } from '../cli/fatal.js';
import { spec as rcSpec } from '../cli/rc.js';
import { s6rc } from './helpers/cli.js';
import { SUITE } from '../cli/registry.js';

describe('getopt-style parsing from a table', () => {
  it('parses the seed page clusters', () => {
    expect(parseOptions(rcSpec, ['-pun0', 'change', 'web'])).toEqual({
      values: { prune: true, direction: 'up', dryRun: 0 },
      operands: ['change', 'web'],
    });
    expect(parseOptions(rcSpec, ['-bad', 'change']).values).toEqual({ block: true, all: true, direction: 'down' });
    expect(parseOptions(rcSpec, ['-v2', '-t', '500', 'change']).values).toEqual({ verbosity: 2, timeout: 500 });
    expect(parseOptions(rcSpec, ['-l', '/zork', '-ua', 'listall', 'b']).values).toEqual({ live: '/zork', direction: 'up', all: true });
  });

  it('stops at the first operand, as POSIX getopt does', () => {
    expect(parseOptions(rcSpec, ['-a', 'list', '-d']).operands).toEqual(['list', '-d']);
    expect(parseOptions(rcSpec, ['--', '-a']).operands).toEqual(['-a']);
  });

  it('lets the last of a group win', () => {
    expect(parseOptions(rcSpec, ['-u', '-d', 'change']).values.direction).toBe('down');
    expect(parseOptions(rcSpec, ['-du', 'change']).values.direction).toBe('up');
  });

  it('refuses unknown options, missing arguments and bad numbers with exit 100', () => {
    const spec: CommandSpec = { name: 't', usage: 't [-n N]', summary: '', options: [{ key: 'n', short: 'n', kind: 'int', help: '' }] };
    for (const args of [['-x'], ['-n'], ['-n', 'abc'], ['-n', '-1']]) {
      let err: unknown;
      try {
        parseOptions(spec, args);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(Fatal);
      expect((err as Fatal).exitCode).toBe(100);
      expect((err as Fatal).message).toContain('usage: s6rc t [-n N]');
    }
    expect(() => parseOptions(spec, ['-n'])).toThrow(/^option -n requires an argument \(usage/);
    expect(() => parseOptions(spec, ['-x'])).toThrow(/^unknown option -x \(usage/);
  });
});

describe('the s6rc executable', () => {
  it('prints help listing every subcommand', async () => {
    const r = s6rc(['help']);
    expect(r.code).toBe(0);
    for (const name of ['change', 'listall', 'compile', 'db', 'status', 'history', 'boot']) expect(r.stdout).toContain(name);
    // The suite's lines come from the registry, without loading the modules: each must be its module's own.
    for (const [name, entry] of Object.entries(SUITE)) {
      const { spec } = await entry.load();
      expect(entry.usage, name).toBe(spec.usage);
      expect(r.stdout).toContain(`  s6rc ${spec.usage}\n`);
    }
  });

  it('-h and --help print the overview', () => {
    for (const flag of ['-h', '--help']) {
      const r = s6rc([flag]);
      expect(r.code, flag).toBe(0);
      expect(r.stdout, flag).toContain('The rest of the suite:');
    }
  });

  it("each s6-rc subcommand's help explains its own options, not the suite", () => {
    // Option letters that apply to each subcommand (s6-rc's page), and some that do not.
    const applies: Record<string, { yes: string[]; no: string[] }> = {
      list: { yes: ['-l live', '-b', '-a', '-u', '-d'], no: ['-D', '-p', '-t timeout', '-n dryrunthrottle'] },
      listall: { yes: ['-l live', '-b', '-a', '-u', '-d'], no: ['-D', '-p', '-v verbosity'] },
      diff: { yes: ['-l live', '-b'], no: ['-a', '-u', '-d', '-p', '-t timeout'] },
      change: { yes: ['-l live', '-b', '-a', '-u', '-d', '-D', '-p', '-v verbosity', '-n dryrunthrottle', '-t timeout'], no: [] },
      start: { yes: ['-l live', '-p', '-n dryrunthrottle', '-t timeout'], no: ['-u', '-d', '-D'] },
      stop: { yes: ['-l live', '-D', '-p', '-t timeout'], no: ['-u', '-d'] },
    };
    for (const [sub, { yes, no }] of Object.entries(applies)) {
      for (const args of [[sub, '--help'], ['help', sub], ['-l', '/nowhere', sub, '--help']]) {
        const r = s6rc(args);
        expect(r.code, args.join(' ')).toBe(0);
        expect(r.stdout.split('\n')[0], args.join(' ')).toMatch(new RegExp(`^usage: s6rc .*\\b${sub}\\b`));
        expect(r.stdout, args.join(' ')).not.toContain('The rest of the suite');
        const flags = r.stdout.split('\n').filter((l) => /^  -/.test(l)).map((l) => l.trim().split(/\s{2,}/)[0].replace(/, --[a-z-]+/, ''));
        for (const f of yes) expect(flags, `${args.join(' ')}: ${f}`).toContain(f);
        for (const f of no) expect(flags, `${args.join(' ')}: ${f}`).not.toContain(f);
      }
    }
    expect(s6rc(['list', '--help']).stdout).toMatch(/-d, --down\s+print every service except the selection/);
    expect(s6rc(['change', '--help']).stdout).toMatch(/-d, --down\s+bring the selection and what depends on it down/);
  });

  it('reports usage errors in one line with exit 100', () => {
    const r = s6rc(['-x', 'list']);
    expect(r.code).toBe(100);
    expect(r.stderr).toMatch(/^s6rc: fatal: unknown option -x \(usage: s6rc .*\)\n$/);
    expect(s6rc(['frobnicate']).code).toBe(100);
    expect(s6rc([]).stderr).toMatch(/^s6rc: fatal: missing subcommand/);
    // Names every object has (Object.prototype's) are no subcommands either.
    for (const word of ['constructor', 'toString']) {
      const r = s6rc([word]);
      expect(r.code).toBe(100);
      expect(r.stderr).toMatch(new RegExp(`^s6rc: fatal: unknown subcommand ${word} \\(usage: s6rc .*\\)\\n$`));
    }
    expect(s6rc(['help', 'constructor']).code).toBe(0);
  });
});
