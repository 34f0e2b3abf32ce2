/**
 * Getopt-style option parsing from one typed table per subcommand.
 *
 * Parsing is Node's own `util.parseArgs` (clusters such as `-pun0`, `-bad`,
 * `-v2` work as POSIX getopt does); this module adds what s6 tools expect on
 * top of it: options stop at the first operand, later flags of one group win
 * (`-u -d` means down), numbers are validated, and every mistake is a `Fatal`
 * with exit 100 and a usage line. The same table prints the help text.
 */
import { parseArgs } from 'node:util';
import { EXIT, Fatal } from './fatal.js';

export interface OptionSpec {
  /** Key in the parsed result. Several options may share one key (`-u`/`-d`/`-D` → `direction`). */
  key: string;
  short?: string;
  long?: string;
  /** `flag` takes no argument; `string` and `int` take one. */
  kind: 'flag' | 'string' | 'int';
  /** For a flag, the value it stores (default `true`). Last one given wins. */
  value?: string | boolean;
  /** Shown in help: `-t timeout`. */
  argName?: string;
  help: string;
  /** May repeat; values collect in an array. */
  multiple?: boolean;
  /** For a string option collected with flags under one key (`svc -s SIG` among `-t -k`): prefixed to its value. */
  tag?: string;
}

export interface CommandSpec {
  name: string;
  /** One-line synopsis after `s6rc`, e.g. `compile [-v verbosity] compiled source...`. */
  usage: string;
  summary: string;
  options: OptionSpec[];
  /** Options may follow operands (GNU style); default stops at the first operand as POSIX getopt does. */
  interleaved?: boolean;
  /** Program prefix of its messages (only `compile` differs, SPEC §1). */
  program?: string;
}

export type Parsed = Record<string, string | number | boolean | string[] | undefined>;

export interface ParseResult {
  values: Parsed;
  operands: string[];
}

function optionName(o: OptionSpec): string {
  return o.long ?? o.short!;
}

function display(o: OptionSpec): string {
  return o.short ? `-${o.short}` : `--${o.long}`;
}

/** The usage line as printed in errors and help. */
export function usageLine(spec: CommandSpec): string {
  return `s6rc ${spec.usage}`;
}

/** A usage error: exit 100, one line naming the problem and the synopsis. */
export function usageError(spec: CommandSpec, problem: string): Fatal {
  return new Fatal(EXIT.usage, `${problem} (usage: ${usageLine(spec)})`, spec.program ?? 's6rc');
}

/**
 * Parses `args` against `spec`.
 *
 * @example
 *   parseOptions(changeSpec, ['-pun0', 'change', 'web'])
 *   // → { values: { prune: true, direction: 'up', dryRun: 0 }, operands: ['change', 'web'] }
 */
export function parseOptions(spec: CommandSpec, args: string[]): ParseResult {
  const config: Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }> = {};
  const byName = new Map<string, OptionSpec>();
  for (const o of spec.options) {
    const name = optionName(o);
    byName.set(name, o);
    config[name] = { type: o.kind === 'flag' ? 'boolean' : 'string', ...(o.short ? { short: o.short } : {}) };
    if (o.multiple) config[name].multiple = true;
  }
  let optionArgs = args;
  let rest: string[] = [];
  if (!spec.interleaved) {
    // POSIX: the first operand ends the options. A lenient pass finds it.
    const { tokens } = parseArgs({ args, options: config, allowPositionals: true, strict: false, tokens: true });
    const first = tokens.find((t) => t.kind === 'positional' || t.kind === 'option-terminator');
    if (first) {
      optionArgs = args.slice(0, first.index);
      rest = args.slice(first.kind === 'option-terminator' ? first.index + 1 : first.index);
    }
  }
  let tokens;
  try {
    ({ tokens } = parseArgs({ args: optionArgs, options: config, allowPositionals: true, strict: true, tokens: true }));
  } catch (err) {
    throw usageError(spec, describeParseError(err as NodeJS.ErrnoException, optionArgs));
  }
  const values: Parsed = {};
  const operands: string[] = [];
  for (const t of tokens) {
    if (t.kind === 'positional') operands.push(t.value);
    if (t.kind !== 'option') continue;
    const o = byName.get(t.name)!;
    let v: string | number | boolean;
    if (o.kind === 'flag') v = o.value ?? true;
    else if (o.kind === 'int') v = parseNonNegativeInt(spec, o, t.value!);
    else v = `${o.tag ?? ''}${t.value!}`;
    if (o.multiple) ((values[o.key] as string[] | undefined) ??= []).push(String(v));
    else values[o.key] = v;
  }
  return { values, operands: [...operands, ...rest] };
}

function parseNonNegativeInt(spec: CommandSpec, o: OptionSpec, raw: string): number {
  if (!/^\d+$/.test(raw)) throw usageError(spec, `option ${display(o)} expects a non-negative integer, got '${raw}'`);
  return Number(raw);
}

function describeParseError(err: NodeJS.ErrnoException, args: string[]): string {
  // Node's messages quote the option first: "Unknown option '-x'", "Option '-v, --v <value>' argument missing".
  const quoted = /'(-[^',\s]+)/.exec(err.message)?.[1];
  switch (err.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown option ${quoted ?? args.join(' ')}`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      return `option ${quoted ?? '?'} requires an argument`;
    default:
      return err.message.split('\n')[0];
  }
}

/** Help text for one command, generated from its table. */
export function helpText(spec: CommandSpec): string {
  const lines = [`usage: ${usageLine(spec)}`, '', spec.summary];
  if (spec.options.length) {
    lines.push('', 'options:');
    const rows = spec.options.map((o) => {
      const flag = [o.short ? `-${o.short}` : '', o.long ? `--${o.long}` : ''].filter(Boolean).join(', ');
      return [`${flag}${o.argName ? ` ${o.argName}` : ''}`, o.help];
    });
    const width = Math.max(...rows.map((r) => r[0].length));
    for (const [a, b] of rows) lines.push(`  ${a.padEnd(width)}  ${b}`);
  }
  return lines.join('\n') + '\n';
}
