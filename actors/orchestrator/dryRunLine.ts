/**
 * What a dry run prints for one transition: the command s6rc would have run
 * (seed page, "Dry runs"), one line per transition.
 */
import type { CompiledModel, Command } from '../../machines/model.js';
import type { Transition } from '../../machines/plan/types.js';

/** e.g. `s6rc-dryrun: up migrate: /bin/sh -c 'psql < schema.sql'`, `s6rc-dryrun: down api: SIGTERM`. */
export function dryRunLine(model: CompiledModel, t: Transition): string {
  const service = model.services.get(t.service);
  let what = '';
  if (service?.type === 'oneshot') {
    const command = t.kind === 'up' ? service.up : service.down;
    what = command ? describeCommand(command) || '(empty: does nothing)' : '(no down script)';
  } else if (service?.type === 'longrun') {
    what = t.kind === 'up' ? `servicedirs/${t.service}/run` : service.downSignal;
  }
  return `s6rc-dryrun: ${t.kind} ${t.service}: ${what}\n`;
}

function describeCommand(command: Command): string {
  if (command.kind === 'script') return command.script.split('\n', 1)[0];
  return command.argv.map(quote).join(' ');
}

function quote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
