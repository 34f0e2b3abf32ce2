/**
 * `plot`: one change as an SVG timeline, the picture systemd-analyze plot
 * draws for a boot. Pure string building; every bar carries
 * `data-service`/`data-outcome` so tests can check what is drawn.
 */
import type { Bar, Timeline } from './timeline.js';
import { STATE_COLORS, xml } from './stateColors.js';
import { formatDuration, formatTime } from './timeArg.js';

const ROW = 26;
const TOP = 64;
const PAD = 16;
const PLOT_WIDTH = 760;

/** A "nice" tick step (1, 2 or 5 × 10^k ms) giving about `target` ticks over `span`. */
export function tickStep(span: number, target = 8): number {
  const raw = Math.max(span, 1) / target;
  const pow = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 5, 10].map((m) => m * pow).find((s) => s >= raw)!;
}

export function plotToSvg(t: Timeline, chain: Bar[], title = `s6rc change ${t.changeId}`): string {
  const bars = [...t.bars].sort((a, b) => a.start - b.start || a.service.localeCompare(b.service));
  const critical = new Set(chain.map((b) => b.service));
  // Folds, not Math.max(...list): spreading a list that long overflows the stack.
  const labelWidth = bars.reduce((w, b) => Math.max(w, b.service.length * 7.6 + 24), 80);
  const lastEnd = bars.reduce((end, b) => Math.max(end, b.end ?? b.start), t.end);
  const span = Math.max(lastEnd - t.start, 1);
  const step = tickStep(span);
  const axisEnd = Math.ceil(span / step) * step;
  const x = (ms: number) => labelWidth + ((ms - t.start) / axisEnd) * PLOT_WIDTH;
  const width = Math.ceil(labelWidth + PLOT_WIDTH + 150);
  const height = TOP + bars.length * ROW + 56;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" class="s6rc-plot" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif" data-change="${t.changeId}">`,
    `<style>
  .tick line { stroke: #dde2e8; } .tick text, .axis text { font-size: 11px; fill: #5b6573; }
  .bar text.name { font-size: 12px; fill: #1d2228; } .bar text.info { font-size: 11px; fill: #5b6573; }
  .bar.critical rect.span { stroke: #e8590c; stroke-width: 2.5; }
  .bar text.fail { font-size: 12px; fill: #d12c2c; font-weight: 700; }
  .legend text { font-size: 11px; fill: #5b6573; }
</style>`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${PAD}" y="24" font-size="16" font-weight="700" fill="#1d2228">${xml(title)}</text>`,
    `<text x="${PAD}" y="42" font-size="12" fill="#5b6573">started ${xml(formatTime(t.start))}, ${bars.length} transitions, took ${xml(formatDuration(lastEnd - t.start))}</text>`,
  ];
  for (let ms = 0; ms <= axisEnd; ms += step) {
    const tx = x(t.start + ms);
    out.push(
      `<g class="tick" data-ms="${ms}"><line x1="${tx}" y1="${TOP - 6}" x2="${tx}" y2="${TOP + bars.length * ROW}"/>` +
        `<text x="${tx}" y="${TOP + bars.length * ROW + 16}" text-anchor="middle">${xml(formatDuration(ms))}</text></g>`,
    );
  }
  out.push(`<g class="axis"><line x1="${labelWidth}" y1="${TOP + bars.length * ROW}" x2="${labelWidth + PLOT_WIDTH}" y2="${TOP + bars.length * ROW}" stroke="#5b6573"/></g>`);
  bars.forEach((b, i) => {
    const y = TOP + i * ROW;
    const end = b.end ?? lastEnd;
    const x0 = x(b.start);
    const x1 = Math.max(x(end), x0 + 2);
    const colors = b.outcome === 'failed' ? STATE_COLORS.failed : b.direction === 'down' ? STATE_COLORS.stopping : b.outcome === 'running' ? STATE_COLORS.starting : STATE_COLORS.ready;
    const cls = `bar ${b.direction} ${b.outcome}${critical.has(b.service) ? ' critical' : ''}`;
    const info = `${formatDuration(end - b.start)}${b.outcome === 'running' ? ' (not finished)' : ''}`;
    const parts = [
      `<g class="${cls}" data-service="${xml(b.service)}" data-outcome="${b.outcome}" data-direction="${b.direction}">`,
      `<title>${xml(`${b.service} ${b.direction === 'up' ? 'start' : 'stop'}: ${info}${b.reason ? `, ${b.reason}` : ''}`)}</title>`,
      `<text class="name" x="${labelWidth - 8}" y="${y + 17}" text-anchor="end">${xml(b.service)}</text>`,
      `<rect class="span" x="${x0}" y="${y + 5}" width="${x1 - x0}" height="${ROW - 10}" rx="3" fill="${colors.fill}" stroke="${colors.stroke}"/>`,
    ];
    if (b.running !== null && b.direction === 'up' && b.outcome !== 'failed') {
      // Running but not yet ready: the part of the bar spent waiting for readiness.
      parts.push(`<rect class="unready" x="${x(b.running)}" y="${y + 5}" width="${Math.max(x(end) - x(b.running), 0)}" height="${ROW - 10}" fill="${STATE_COLORS['up-unready'].fill}" fill-opacity="0.8"/>`);
    }
    let after = x1 + 6;
    if (b.outcome === 'failed') {
      parts.push(`<text class="fail" x="${after}" y="${y + 17}">✗ failed</text>`);
      after += 62;
    }
    parts.push(`<text class="info" x="${after}" y="${y + 17}">${xml(info)}${b.reason ? ` — ${xml(b.reason)}` : ''}</text>`, '</g>');
    out.push(parts.join(''));
  });
  const ly = TOP + bars.length * ROW + 36;
  const legend: [string, string, string][] = [
    ['ready', STATE_COLORS.ready.fill, STATE_COLORS.ready.stroke],
    ['waiting for readiness', STATE_COLORS['up-unready'].fill, STATE_COLORS['up-unready'].stroke],
    ['stopping', STATE_COLORS.stopping.fill, STATE_COLORS.stopping.stroke],
    ['failed ✗', STATE_COLORS.failed.fill, STATE_COLORS.failed.stroke],
    ['critical chain', '#ffffff', '#e8590c'],
  ];
  let lx = PAD;
  out.push('<g class="legend">');
  for (const [name, fill, stroke] of legend) {
    out.push(`<rect x="${lx}" y="${ly - 10}" width="14" height="12" rx="2" fill="${fill}" stroke="${stroke}" stroke-width="${name === 'critical chain' ? 2.5 : 1}"/><text x="${lx + 19}" y="${ly}">${xml(name)}</text>`);
    lx += 30 + name.length * 6.5;
  }
  out.push('</g>', '</svg>');
  return out.join('\n') + '\n';
}
