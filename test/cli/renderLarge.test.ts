/**
 * The renderers fold over their rows instead of spreading them into
 * Math.max(...): a spread of ~130,000 values overflows the stack, and an
 * event log or a change gets that long.
 */
import { describe, expect, it } from 'vitest';
import { table } from '../../cli/render/historyFormat.js';
import { plotToSvg } from '../../cli/render/plotSvg.js';
import type { Bar } from '../../cli/render/timeline.js';

const ROWS = 200_000;

describe(`${ROWS} rows`, () => {
  it('history lays out a table that long', () => {
    const rows = Array.from({ length: ROWS }, (_, i) => [String(i), `s${i}`, 'up']);
    const text = table(['SEQ', 'SERVICE', 'EVENT'], rows);
    expect(text.split('\n')[ROWS]).toBe(`${ROWS - 1}  s${ROWS - 1}  up`);
  });

  it('plot draws a change that long', () => {
    const bars: Bar[] = Array.from({ length: ROWS }, (_, i) => ({ service: `s${i}`, direction: 'up', start: i, running: null, end: i + 1, outcome: 'done', reason: null }));
    const svg = plotToSvg({ changeId: 1, start: 0, end: ROWS, bars }, []);
    expect(svg.match(/<g class="bar /g)).toHaveLength(ROWS);
  });
});
