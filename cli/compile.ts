/**
 * `s6rc compile [-v verbosity] compiled source...`: reads s6-rc source
 * directories and writes one compiled database file (SPEC §1).
 * Exit 0 ok, 1 error in a source directory, 100 usage, 111 I/O (including:
 * `compiled` already exists — s6rc never overwrites a database).
 */
import { say } from './fatal.js';
import { usageError, type CommandSpec, type ParseResult } from './options.js';
import { USAGE } from './usage.js';
import { builtin } from '../store/compiled/nodeFs.js';

export const spec: CommandSpec = {
  name: 'compile',
  usage: USAGE.compile,
  summary: [
    'Compiles s6-rc source directories into the database file compiled, which must not exist',
    '(exit 111 if it does). Errors in a source directory exit 1, naming the file.',
  ].join('\n'),
  program: 's6rc compile',
  options: [
    { key: 'verbosity', short: 'v', kind: 'int', argName: 'verbosity', help: '0 quiet, 1 warnings (default), 2 progress, 3 every definition' },
  ],
};

export async function run(parsed: ParseResult): Promise<number> {
  const [compiled, ...sources] = parsed.operands;
  if (compiled === undefined) throw usageError(spec, 'missing compiled and source arguments');
  if (sources.length === 0) throw usageError(spec, 'missing source directory');
  const verbosity = (parsed.values.verbosity as number | undefined) ?? 1;
  let said = false;
  const log = (level: 'info' | 'warning', message: string) => {
    if (verbosity < (level === 'info' ? 2 : 1)) return;
    said = true;
    say(level, message, 's6rc compile');
  };
  const { compileSources } = await import('../store/source/compileSources.js');
  let definitions = 0;
  const onDefinitions = (n: number) => {
    if ((definitions += n) >= BATCH && definitions - n < BATCH) batchTiering();
  };
  const model = compileSources(sources, { verbosity, log, onDefinitions });
  const { writeCompiled } = await import('../store/compiled/writeCompiled.js');
  writeCompiled(model, compiled, { sources, program: 's6rc compile' });
  log('info', `wrote ${compiled}`);
  // Nothing written to stdout or stderr means nothing waits to be flushed: exit now instead of when
  // the event loop empties, sparing the teardown of a big heap. Not when something was said: a full
  // pipe makes Node finish writing it asynchronously.
  if (!said) process.exit(0);
  return 0;
}

/** Definitions from which a compile is a batch worth `batchTiering` (loading node:v8 is not free). */
const BATCH = 2000;

/**
 * A compile is a short batch over thousands of small inputs. V8 starts optimizing its hot functions
 * early, for code that hardly runs long enough to pay the optimization back; a tiering budget 6x V8's
 * default (67584) leaves optimization to the functions that stay hot. Measured (docs/PERFORMANCE.md):
 * faster from a few thousand services, unchanged far beyond. V8 reads the budget whenever it resets
 * a function's, so setting it now takes effect.
 */
function batchTiering(): void {
  builtin<typeof import('node:v8')>('node:v8').setFlagsFromString('--interrupt-budget=400000');
}
