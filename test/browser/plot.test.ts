import { copyFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { s6rc } from '../helpers/cli.js';
import { webstackLive } from '../cli/fixtures/liveDir.js';
import { HAVE_CHROMIUM, openPage, type OpenedPage } from './chromium.js';

let fx: ReturnType<typeof webstackLive> | null = null;
let opened: OpenedPage | null = null;
afterEach(async () => {
  await opened?.close();
  opened = null;
  fx?.cleanup();
  fx = null;
});

describe.skipIf(!HAVE_CHROMIUM)('plot SVG in Chromium', () => {
  it('draws a bar per service in time order, the failure in red with ✗, the critical chain outlined, an axis', async () => {
    fx = webstackLive();
    const svg = join(fx.dir, 'plot.svg');
    expect(s6rc(['plot', '-l', fx.live, '--change', '1', '-o', svg]).code).toBe(0);
    opened = await openPage(pathToFileURL(svg).href, { width: 1100, height: 400 });
    const { page } = opened;
    const bars = await page.$$eval('svg.s6rc-plot .bar', (els) =>
      els.map((el) => {
        const span = el.querySelector('rect.span')!;
        const r = span.getBoundingClientRect();
        return {
          name: (el as HTMLElement).dataset.service,
          label: el.querySelector('text.name')!.textContent,
          outcome: (el as HTMLElement).dataset.outcome,
          left: r.left,
          right: r.right,
          width: r.width,
          fill: getComputedStyle(span).fill,
          stroke: getComputedStyle(span).stroke,
          fail: el.querySelector('text.fail')?.textContent ?? null,
        };
      }),
    );
    expect(bars.map((b) => b.name)).toEqual(['db', 'api-log', 'migrate', 'api', 'cache-warm']);
    for (const b of bars) {
      expect(b.label).toBe(b.name);
      expect(b.width).toBeGreaterThan(1);
    }
    const by = Object.fromEntries(bars.map((b) => [b.name, b]));
    // Dependencies end before dependents start: the bars are drawn on one time scale.
    expect(by.db.right).toBeLessThanOrEqual(by.migrate.left + 1);
    expect(by.migrate.right).toBeLessThanOrEqual(by.api.left + 1);
    expect(by['cache-warm']).toMatchObject({ outcome: 'failed', fail: '✗ failed', fill: 'rgb(255, 208, 208)' });
    expect(by['api-log'].stroke).toBe('rgb(46, 157, 87)');
    expect(by.db.stroke).toBe('rgb(232, 89, 12)'); // critical chain
    const ticks = await page.$$eval('svg.s6rc-plot .tick text', (els) => els.map((e) => e.textContent));
    expect(ticks[0]).toBe('0ms');
    expect(ticks.length).toBeGreaterThanOrEqual(5);
    const shot = join(fx.dir, 'plot.png');
    // An SVG document has no scrollable page for fullPage: size the viewport to the drawing instead.
    const size = await page.$eval('svg.s6rc-plot', (e) => ({ width: Math.ceil(Number(e.getAttribute('width'))), height: Math.ceil(Number(e.getAttribute('height'))) }));
    await page.setViewportSize(size);
    await page.screenshot({ path: shot });
    if (process.env.S6RC_UPDATE_SCREENSHOTS === '1') copyFileSync(shot, resolve(__dirname, '../../docs/plot.png'));
    expect(opened.errors).toEqual([]);
  });
});
