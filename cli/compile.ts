/**
 * `s6rc compile [-v verbosity] compiled source...`: reads s6-rc source
 * directories and writes one compiled database file (SPEC §1).
 * Exit 0 ok, 1 error in a source directory, 100 usage, 111 I/O (including:
 * `compiled` already exists — s6rc never overwrites a database).
 */
import { say } from './fatal.js';
import { usageError, type CommandSpec, type ParseResult } from './options.js';

export const spec: CommandSpec = {
  name: 'compile',
  usage: 'compile [-v verbosity] compiled source...',
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
  const log = (level: 'info' | 'warning', message: string) => {
    if (verbosity >= (level === 'info' ? 2 : 1)) say(level, message, 's6rc compile');
  };
  const { compileSources } = await import('../store/source/compileSources.js');
  const model = compileSources(sources, { verbosity, log });
  const { writeCompiled } = await import('../store/compiled/writeCompiled.js');
  writeCompiled(model, compiled, { sources, program: 's6rc compile' });
  log('info', `wrote ${compiled}`);
  return 0;
}
