import { copyFileSync, writeFileSync } from 'node:fs';
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

describe.skipIf(!HAVE_CHROMIUM)('graph --format html in Chromium', () => {
  it('draws every service as a visible, labelled node, coloured by state, with no console error and no request', async () => {
    fx = webstackLive();
    const html = join(fx.dir, 'graph.html');
    const r = s6rc(['graph', '-l', fx.live, '--format', 'html', '-o', html]);
    expect(r.code).toBe(0);
    opened = await openPage(pathToFileURL(html).href);
    const { page } = opened;
    const nodes = await page.$$eval('svg.s6rc-graph .node', (els) =>
      els.map((el) => {
        const box = (el as SVGGElement).getBBox();
        const rect = el.querySelector('rect')!;
        return {
          name: (el as HTMLElement).dataset.service,
          state: (el as HTMLElement).dataset.state,
          text: el.querySelector('text.name')!.textContent,
          fill: getComputedStyle(rect).fill,
          visible: box.width > 20 && box.height > 20,
        };
      }),
    );
    expect(nodes.map((n) => n.name).sort()).toEqual(['api', 'api-log', 'cache-warm', 'db', 'migrate']);
    for (const n of nodes) {
      expect(n.text).toBe(n.name);
      expect(n.visible).toBe(true);
    }
    expect(nodes.find((n) => n.name === 'cache-warm')).toMatchObject({ state: 'failed', fill: 'rgb(255, 208, 208)' });
    expect(nodes.find((n) => n.name === 'db')).toMatchObject({ state: 'up', fill: 'rgb(200, 239, 212)' });
    // No two nodes overlap (the layout really happened).
    const boxes = await page.$$eval('svg.s6rc-graph .node rect', (els) => els.map((e) => e.getBoundingClientRect().toJSON()));
    for (let i = 0; i < boxes.length; i++)
      for (let j = i + 1; j < boxes.length; j++) {
        const a = boxes[i], b = boxes[j];
        expect(a.right <= b.left || b.right <= a.left || a.bottom <= b.top || b.bottom <= a.top).toBe(true);
      }
    expect(await page.$$eval('svg.s6rc-graph .cluster', (els) => els.map((e) => (e as HTMLElement).dataset.bundle).sort())).toEqual(['api-pipeline', 'backend', 'default']);
    expect(await page.$eval('.edge.pipeline text', (e) => e.textContent)).toBe('api-pipeline');
    // Hover lights the node and its neighbours.
    await page.hover('.node[data-service="migrate"]');
    expect(await page.$$eval('.node.lit', (els) => els.map((e) => (e as HTMLElement).dataset.service).sort())).toEqual(['api', 'db', 'migrate']);
    await page.mouse.move(0, 0);
    const shot = join(fx.dir, 'graph.png');
    const clip = await page.$eval('.legend', (e) => {
      const svg = document.querySelector('svg.s6rc-graph')!.getBoundingClientRect();
      const legend = e.getBoundingClientRect();
      return { x: 0, y: 0, width: Math.ceil(Math.max(svg.right, legend.right) + 24), height: Math.ceil(legend.bottom + 20) };
    });
    await page.screenshot({ path: shot, clip });
    if (process.env.S6RC_UPDATE_SCREENSHOTS === '1') copyFileSync(shot, resolve(__dirname, '../../docs/graph.png'));
    expect(opened.errors).toEqual([]);
    expect(opened.network).toEqual([]);
    writeFileSync(join(fx.dir, 'done'), '');
  });
});
