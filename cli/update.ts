/**
 * `s6rc update`: s6-rc-update. Switches the live directory to a new compiled
 * database, restarting only what must restart; the supervisor plans and
 * performs it (actors/orchestrator/update.ts). This client reads and lexes the
 * conversion file, sends the request and streams the progress.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { call, connectOrDie } from './client.js';
import { EXIT, Fatal, systemFatal } from './fatal.js';
import { invocationArgv, invokingUser } from './invocation.js';
import { usageError, type CommandSpec, type ParseResult } from './options.js';
import { statIfPresent } from './pathAccess.js';
import { liveDir } from './paths.js';
import { printJson, streamed } from './rcCommands.js';
import { USAGE } from './usage.js';

export const spec: CommandSpec = {
  name: 'update',
  usage: USAGE.update,
  summary:
    'Switches the live directory to the compiled database newcompiled, as s6-rc-update does: only what changed type, disappeared, depends on something that restarts or is new, or that the conversion file names with `restart`, is restarted; everything else keeps running.',
  options: [
    { key: 'dryRun', short: 'n', long: 'dry-run', kind: 'flag', help: 'print the transitions it would perform, change nothing' },
    { key: 'verbosity', short: 'v', long: 'verbosity', kind: 'int', argName: 'verbosity', help: '0 quiet, 1 warnings (default), 2 one line per transition, 3 debug' },
    { key: 'timeout', short: 't', long: 'timeout', kind: 'int', argName: 'timeout', help: 'give up after this many ms (exit 10 before the switch, 2 after it)' },
    { key: 'live', short: 'l', long: 'livedir', kind: 'string', argName: 'live', help: 'live directory (default: $S6RC_LIVE, /run/s6rc for root, else $XDG_RUNTIME_DIR/s6rc)' },
    { key: 'convfile', short: 'f', long: 'conversion-file', kind: 'string', argName: 'convfile', help: 'conversion file: lines `old [-> new] [restart]`' },
    { key: 'block', short: 'b', long: 'block', kind: 'flag', help: 'wait for the lock held by a change instead of failing with 111' },
    { key: 'forceEssentials', short: 'e', long: 'force-essentials', kind: 'flag', value: true, help: 'stop essential services like any other' },
    { key: 'forceEssentials', short: 'E', long: 'no-force-essentials', kind: 'flag', value: false, help: 'keep essential services up (the default)' },
    {
      key: 'json',
      long: 'json',
      kind: 'flag',
      help: 'NDJSON on stdout: the plan ({update}), its phases\' {planned} and {transition} messages, a dry run\'s {out}, then the result ({exitCode, switched, ...}); messages stay text on stderr',
    },
  ],
};

export async function run({ values, operands }: ParseResult): Promise<number> {
  if (operands.length !== 1) throw usageError(spec, operands.length ? `unexpected operand ${operands[1]}` : 'missing newcompiled');
  const compiled = resolve(operands[0]);
  if (!statIfPresent(compiled, 'compiled database')) throw new Fatal(EXIT.invalidDatabase, `unable to read compiled database ${compiled}: no such file or directory`);
  const conversions = values.convfile === undefined ? [] : await readConversions(values.convfile as string);
  const client = await connectOrDie(liveDir(values.live));
  try {
    const result = await call(
      client,
      'update',
      {
        compiled,
        conversions,
        dryRun: values.dryRun === true,
        timeout: (values.timeout as number | undefined) ?? 0,
        verbosity: (values.verbosity as number | undefined) ?? 1,
        forceEssentials: values.forceEssentials === true,
        block: values.block === true,
        argv: invocationArgv(),
        user: invokingUser(),
        events: values.json === true,
      },
      streamed(values.json === true),
    );
    if (values.json) printJson(result);
    return result.exitCode;
  } finally {
    client.close();
  }
}

/** The conversion file's lines, each lexed by the execline lexer on its own (s6-rc-update: "each line is parsed independently"). */
async function readConversions(path: string): Promise<string[][]> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw systemFatal(`unable to read conversion file ${path}`, err);
  }
  const { lexExecline, ExeclineSyntaxError } = await import('../store/source/execlineLexer.js');
  return text.split('\n').map((line, i) => {
    try {
      return lexExecline(line);
    } catch (err) {
      if (err instanceof ExeclineSyntaxError) throw new Fatal(EXIT.usage, `conversion file ${path}, line ${i + 1}: ${err.message}`);
      throw err;
    }
  });
}
