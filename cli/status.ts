/** `s6rc status`: s6-svstat for services of a live directory, over the control socket. */
import { call, connectOrDie } from './client.js';
import { EXIT } from './fatal.js';
import { usageError, type CommandSpec, type ParseResult } from './options.js';
import { liveDir } from './paths.js';
import { FIELDS, fieldValue, humanSummary, type Field } from './svstatFormat.js';
import { USAGE } from './usage.js';

const shortcut = (short: string, field: Field, help: string) => ({ key: 'fields', short, kind: 'flag' as const, value: field, multiple: true, help });

export const spec: CommandSpec = {
  name: 'status',
  usage: USAGE.status,
  summary: "Prints each service's status as s6-svstat does (all atomic services when none is named).",
  options: [
    { key: 'live', short: 'l', long: 'livedir', kind: 'string', argName: 'live', help: 'live directory' },
    { key: 'fields', short: 'o', kind: 'string', argName: 'fields', multiple: true, help: `comma-separated fields: ${FIELDS.join(',')}` },
    shortcut('u', 'up', 'field up'),
    shortcut('w', 'wantedup', 'field wantedup'),
    shortcut('N', 'normallyup', 'field normallyup (in the live state)'),
    shortcut('r', 'ready', 'field ready'),
    shortcut('p', 'pid', 'field pid'),
    shortcut('e', 'exitcode', 'field exitcode'),
    shortcut('s', 'signal', 'field signal'),
    shortcut('t', 'updownfor', 'field updownfor'),
    { key: 'numeric', short: 'n', kind: 'flag', help: 'signal numbers instead of names in the summary' },
    { key: 'json', long: 'json', kind: 'flag', help: 'one JSON document with every field and the state name' },
  ],
};

export async function run({ values, operands }: ParseResult): Promise<number> {
  const fields: Field[] = [];
  for (const raw of (values.fields as string[] | undefined) ?? []) {
    for (const f of raw.split(',')) {
      if (!f) continue;
      if (!(FIELDS as readonly string[]).includes(f)) throw usageError(spec, `invalid option field: ${f}`);
      fields.push(f as Field);
    }
  }
  const client = await connectOrDie(liveDir(values.live));
  try {
    const { services } = await call(client, 'status', { services: operands });
    if (values.json) {
      const rows = services.map((s) => ({ ...s, fields: Object.fromEntries(FIELDS.map((f) => [f, fieldValue(s, f)])) }));
      process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
      return EXIT.ok;
    }
    const prefix = services.length > 1 || operands.length === 0;
    const lines = services.map((s) => {
      const body = fields.length ? fields.map((f) => fieldValue(s, f)).join(' ') : humanSummary(s, Boolean(values.numeric));
      return prefix ? `${s.name}: ${body}` : body;
    });
    process.stdout.write(lines.length ? lines.join('\n') + '\n' : '');
    return EXIT.ok;
  } finally {
    client.close();
  }
}
