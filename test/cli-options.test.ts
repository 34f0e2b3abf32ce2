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
