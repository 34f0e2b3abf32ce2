import type { Bar, Timeline } from './timeline.js';
import { formatDuration } from './timeArg.js';

/** Lines indent two spaces a level up to this depth; deeper ones stay there and show their depth as a number. */
const MAX_CHAIN_INDENT = 16;

/**
 * The critical chain as systemd-analyze prints it: the last service first,
 * each line `name @start +duration` (so the next one starts at about
 * start + duration), times relative to the change's start. Indentation stops
 * growing at MAX_CHAIN_INDENT levels (a 10,000-deep chain would otherwise
 * print 100 MB of spaces); from there each line starts with `[depth]`.
 */
export function chainToText(t: Timeline, chain: Bar[]): string {
  const lines = [
    `critical chain of change ${t.changeId}:`,
    'The time a service\'s transition started is printed after "@",',
    'the time it took to become ready (or to stop) after "+".',
  ];
  if (chain.length > MAX_CHAIN_INDENT) lines.push(`The chain is ${chain.length} deep; from depth ${MAX_CHAIN_INDENT} on, each line shows its depth in brackets.`);
  lines.push('');
  if (!chain.length) return lines.concat(['(no transition in this change ended)', '']).join('\n');
  for (let i = 0; i < chain.length; i++) {
    const b = chain[chain.length - 1 - i];
    const prefix = i === 0 ? '' : i < MAX_CHAIN_INDENT ? '  '.repeat(i - 1) + '└─' : `${'  '.repeat(MAX_CHAIN_INDENT - 1)}└─[${i}] `;
    const mark = b.outcome === 'failed' ? ` ✗ failed${b.reason ? ` (${b.reason})` : ''}` : '';
    const dir = b.direction === 'down' ? ' (down)' : '';
    lines.push(`${prefix}${b.service}${dir} @${formatDuration(b.start - t.start)} +${formatDuration(b.end! - b.start)}${mark}`);
  }
  return lines.join('\n') + '\n';
}
