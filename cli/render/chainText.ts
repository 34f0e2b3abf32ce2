import type { Bar, Timeline } from './timeline.js';
import { formatDuration } from './timeArg.js';

/**
 * The critical chain as systemd-analyze prints it: the last service first,
 * each line `name @start +duration` (so the next one starts at about
 * start + duration), times relative to the change's start.
 */
export function chainToText(t: Timeline, chain: Bar[]): string {
  const lines = [
    `critical chain of change ${t.changeId}:`,
    'The time a service\'s transition started is printed after "@",',
    'the time it took to become ready (or to stop) after "+".',
    '',
  ];
  if (!chain.length) return lines.concat(['(no transition in this change ended)', '']).join('\n');
  [...chain].reverse().forEach((b, i) => {
    const prefix = i === 0 ? '' : '  '.repeat(i - 1) + '└─';
    const mark = b.outcome === 'failed' ? ` ✗ failed${b.reason ? ` (${b.reason})` : ''}` : '';
    const dir = b.direction === 'down' ? ' (down)' : '';
    lines.push(`${prefix}${b.service}${dir} @${formatDuration(b.start - t.start)} +${formatDuration(b.end! - b.start)}${mark}`);
  });
  return lines.join('\n') + '\n';
}
