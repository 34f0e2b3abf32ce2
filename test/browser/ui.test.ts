/**
 * `s6rc ui` in Debian's Chromium, against a real supervisor: the page follows
 * real state changes within a second, shows a clicked service's state chart
 * (current state marked), events and deaths, filters the history, logs no
 * console error and asks nothing of anyone but the ui server.
 *
 * With S6RC_UPDATE_SCREENSHOTS=1 it also boots examples/webstack and writes
 * docs/ui.png and docs/ui-service.png, the README's pictures.
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { afterEach, describe, expect, it } from 'vitest';
import { s6rc, tempDir } from '../helpers/cli.js';
import { initLive, processesUnder, readPid, type TestLive } from '../helpers/supervisor.js';
import { historyJson, killUis, s6rcAsync, startUi } from '../helpers/ui.js';
import { HAVE_CHROMIUM, openPage, type OpenedPage } from './chromium.js';

const lives: TestLive[] = [];
const cleanups: (() => void)[] = [];
let opened: OpenedPage | null = null;
afterEach(async () => {
  await opened?.close();
  opened = null;
  killUis();
  while (lives.length) lives.pop()!.cleanup();
  for (const c of cleanups.splice(0)) c();
});

const STACK = {
  db: { type: 'longrun' as const, run: 'exec sleep 1000' },
  web: { type: 'longrun' as const, run: 'sleep 0.2; printf "\\n" >&3; exec sleep 1000', notificationFd: 3, dependencies: ['db'] },
  setup: { type: 'oneshot' as const, up: 'true', dependencies: ['db'] },
};

interface Seen {
  service: string;
  state: string;
  at: number;
}

/** Records, with the page's clock, every state the graph gives a service from now on. */
async function watchGraph(page: Page): Promise<void> {
  await page.evaluate(() => {
    const seen: Seen[] = [];
    (window as unknown as { seen: Seen[] }).seen = seen;
    const observer = new MutationObserver((list) => {
      for (const m of list) {
        const g = m.target as SVGGElement;
        seen.push({ service: g.dataset.service!, state: g.dataset.state!, at: Date.now() });
      }
    });
    for (const g of document.querySelectorAll('svg.s6rc-graph .node')) observer.observe(g, { attributes: true, attributeFilter: ['data-state'] });
  });
}

/** When the page first showed `service` in `state`, minus when the log recorded that transition: how late the page was. */
async function lateness(page: Page, l: TestLive, service: string, state: string): Promise<number> {
  await page.waitForFunction(([s, st]) => (window as unknown as { seen: Seen[] }).seen.some((x) => x.service === s && x.state === st), [service, state] as const, { timeout: 5000 });
  const seen = (await page.evaluate(() => (window as unknown as { seen: Seen[] }).seen)).filter((x) => x.service === service && x.state === state);
  const logged = historyJson(l.run, '--service', service).filter((e) => e.to === state);
  return seen[seen.length - 1].at - Date.parse(logged[logged.length - 1].time);
}

const node = (page: Page, name: string) =>
  page.$eval(`svg.s6rc-graph .node[data-service="${name}"]`, (g) => ({
    state: (g as SVGGElement).dataset.state,
    label: g.querySelector('text.state')!.textContent,
    fill: getComputedStyle(g.querySelector('rect')!).fill,
  }));

describe.skipIf(!HAVE_CHROMIUM)('s6rc ui in Chromium', () => {
  it('follows real state changes within a second, shows a service on click, filters the history, and asks only its server', async () => {
    const l = initLive(STACK, lives);
    const ui = await startUi(['-l', l.live, '--listen', '127.0.0.1:0']);
    opened = await openPage(ui.url, { width: 1400, height: 1000 });
    const { page } = opened;
    await page.waitForSelector('#conn[data-state="live"]');
    await page.waitForFunction(() => document.querySelector('#counts')!.textContent!.includes('3 down'));
    expect(await node(page, 'web')).toEqual({ state: 'down', label: 'down', fill: 'rgb(236, 239, 243)' });
    await watchGraph(page);

    // Up: the graph shows each step, ready within a second of the log.
    expect((await s6rcAsync(['-l', l.live, '-u', 'change', 'web'])).code).toBe(0);
    expect(await lateness(page, l, 'web', 'ready')).toBeLessThan(1000);
    expect(await lateness(page, l, 'db', 'ready')).toBeLessThan(1000);
    expect(await node(page, 'web')).toEqual({ state: 'ready', label: 'ready', fill: 'rgb(200, 239, 212)' });
    const seenWeb = (await page.evaluate(() => (window as unknown as { seen: Seen[] }).seen)).filter((x) => x.service === 'web').map((x) => x.state);
    expect(seenWeb).toContain('up-unready');

    // The timeline draws that change.
    await page.waitForFunction(() => document.querySelector('#plot-card')!.getAttribute('data-running') === 'no');
    expect(await page.$eval('#plot-caption', (e) => e.textContent)).toMatch(/^change 1: s6rc -l \S+ -u change web — exit 0, /);
    expect(await page.$$eval('#plot svg.s6rc-plot .bar', (els) => els.map((e) => `${(e as SVGGElement).dataset.service}:${(e as SVGGElement).dataset.outcome}`).sort())).toEqual(['db:done', 'web:done']);

    // A click shows the service: its state chart with the current state marked, its status and events.
    await page.click('svg.s6rc-graph .node[data-service="web"]');
    await page.waitForSelector('#service-card:not([hidden])');
    expect(await page.$eval('#svc-name', (e) => e.textContent)).toBe('web');
    expect(await page.$eval('#svc-type', (e) => e.textContent)).toBe('longrun');
    const charts = await page.$$eval('#svc-chart svg.s6rc-statechart', (els) =>
      els.map((e) => ({ machine: (e as SVGSVGElement).dataset.machine, shown: getComputedStyle(e).display !== 'none', current: [...e.querySelectorAll('.state.current')].map((s) => (s as SVGGElement).dataset.state) })),
    );
    expect(charts).toEqual([
      { machine: 'longrun', shown: true, current: ['ready'] },
      { machine: 'oneshot', shown: false, current: [] },
    ]);
    // The states are the real machine's.
    expect(await page.$$eval('#svc-chart svg[data-machine="longrun"] .state', (els) => els.map((e) => (e as SVGGElement).dataset.state))).toEqual(['down', 'starting', 'up-unready', 'ready', 'stopping', 'failed']);
    await page.waitForFunction(() => document.querySelectorAll('#svc-events tbody tr').length > 0);
    const events = await page.$$eval('#svc-events tbody tr', (rows) => rows.map((r) => r.children[2].textContent));
    expect(events).toEqual(expect.arrayContaining(['up', 'run.spawned', 'readiness.notified', 'live.up']));
    expect(await page.isVisible('#svc-deaths-none')).toBe(true);

    // Down: the marked state follows, and the new events come in on top.
    expect((await s6rcAsync(['-l', l.live, '-d', 'change', 'web'])).code).toBe(0);
    expect(await lateness(page, l, 'web', 'down')).toBeLessThan(1000);
    await page.waitForFunction(() => document.querySelector('#svc-chart svg[data-machine="longrun"] .state.current')?.getAttribute('data-state') === 'down', null, { timeout: 1000 });
    await page.waitForFunction(() => [...document.querySelectorAll('#svc-events tbody tr td:nth-child(3)')].some((td) => td.textContent === 'live.down'), null, { timeout: 2000 });
    const newest = historyJson(l.run, '--service', 'web').reverse();
    expect(await page.$$eval('#svc-events tbody tr', (trs) => trs.map((t) => t.children[2].textContent))).toEqual(newest.map((e) => e.event));

    // A death: kill db's run; its panel lists it, as history --deaths does.
    await page.click('svg.s6rc-graph .node[data-service="db"]');
    await page.waitForFunction(() => document.querySelector('#svc-name')!.textContent === 'db' && document.querySelector('#svc-events tbody tr') !== null);
    expect(l.run('svc', '-k', 'db').code).toBe(0);
    await page.waitForFunction(() => /signal SIGKILL/.test(document.querySelector('#svc-deaths tbody')!.textContent!), null, { timeout: 5000 });
    const deaths = historyJson(l.run, '--service', 'db').filter((e) => e.event === 'run.exited');
    expect(deaths).toHaveLength(1);

    // A oneshot shows the oneshot machine.
    await page.click('svg.s6rc-graph .node[data-service="setup"]');
    await page.waitForFunction(() => document.querySelector('#svc-name')!.textContent === 'setup');
    expect(await page.$eval('#svc-chart svg[data-machine="oneshot"]', (e) => getComputedStyle(e).display)).not.toBe('none');
    expect(await page.$eval('#svc-chart svg[data-machine="oneshot"] .state.current', (e) => (e as SVGGElement).dataset.state)).toBe('down');
    await page.waitForSelector('#svc-deaths-wrap', { state: 'hidden' });

    // History, filtered by service, event type and change (each asked of the server).
    const rows = () => page.$$eval('#history tbody tr', (trs) => trs.map((t) => ({ ...(t as HTMLElement).dataset })));
    await page.selectOption('#f-service', 'db');
    await page.waitForFunction(() => [...document.querySelectorAll('#history tbody tr')].every((t) => (t as HTMLElement).dataset.service === 'db'));
    expect((await rows()).length).toBe(historyJson(l.run, '--service', 'db').length);
    await page.selectOption('#f-service', '');
    await page.fill('#f-type', 'live.up');
    await page.waitForFunction(() => [...document.querySelectorAll('#history tbody tr')].every((t) => (t as HTMLElement).dataset.event === 'live.up'));
    expect((await rows()).map((r) => r.service).sort()).toEqual(['db', 'web']);
    await page.fill('#f-type', '');
    await page.selectOption('#f-change', '2');
    await page.waitForFunction(() => {
      const trs = [...document.querySelectorAll('#history tbody tr')];
      return trs.length > 0 && trs.every((t) => (t as HTMLElement).dataset.change === '2');
    });
    expect((await rows()).length).toBe(historyJson(l.run, '--change', '2').length);
    // Live rows that match the filters come in too: a third change is not shown under change 2.
    await page.selectOption('#f-change', '');
    await page.waitForFunction(() => [...document.querySelectorAll('#history tbody tr')].some((t) => (t as HTMLElement).dataset.change !== '2'));
    const before = (await rows()).length;
    expect((await s6rcAsync(['-l', l.live, '-u', 'change', 'setup'])).code).toBe(0);
    await page.waitForFunction((n) => document.querySelectorAll('#history tbody tr').length > n, before, { timeout: 2000 });
    await page.waitForFunction(() => (document.querySelector('#history tbody tr') as HTMLElement).dataset.event === 'change.ended', null, { timeout: 2000 });
    expect((await rows())[0]).toMatchObject({ change: '3', event: 'change.ended' });
    expect((await rows()).map((r) => Number(r.seq))).toEqual(historyJson(l.run).map((e) => e.seq).reverse().slice(0, 200));

    expect(opened.errors).toEqual([]);
    const origin = new URL(ui.url).origin;
    expect(opened.network.length).toBeGreaterThan(0);
    expect(opened.network.filter((u) => !u.startsWith(origin + '/'))).toEqual([]);
    expect(opened.network.map((u) => new URL(u).pathname)).toEqual(expect.arrayContaining(['/', '/events', '/history', '/service']));
  });

  it.runIf(process.env.S6RC_UPDATE_SCREENSHOTS === '1')('takes the README screenshots of examples/webstack', async () => {
    const t = tempDir('s6rc-ui-shots-');
    const live = join(t.dir, 'live');
    const compiled = join(t.dir, 'compiled');
    const env = { ...process.env, S6RC_STORE: '', WEBSTACK_STATE: join(t.dir, 'state') };
    mkdirSync(env.WEBSTACK_STATE);
    cleanups.push(() => {
      for (const pid of [...processesUnder(live), readPid(join(live, 'pid'))]) {
        try {
          if (pid) process.kill(pid, 'SIGKILL');
        } catch {
          /* gone */
        }
      }
      t.cleanup();
    });
    const root = resolve(__dirname, '../..');
    expect(s6rc(['compile', compiled, join(root, 'examples/webstack')]).code).toBe(0);
    expect(s6rc(['init', '-c', compiled, '-l', live], { env }).code).toBe(0);
    expect(s6rc(['-l', live, 'change', 'default'], { env }).code).toBe(0);
    // One restart, so the api has a death to show.
    expect(s6rc(['-l', live, 'svc', '-r', '-wU', 'api'], { env }).code).toBe(0);
    const ui = await startUi(['-l', live, '--listen', '127.0.0.1:0'], env);
    opened = await openPage(ui.url, { width: 1280, height: 900 });
    const { page } = opened;
    await page.waitForSelector('#conn[data-state="live"]');
    await page.waitForFunction(() => document.querySelectorAll('#history tbody tr').length > 0 && document.querySelector('#plot svg') !== null);
    await page.screenshot({ path: join(root, 'docs/ui.png'), fullPage: true });
    await page.click('svg.s6rc-graph .node[data-service="api"]');
    await page.waitForFunction(() => document.querySelectorAll('#svc-deaths tbody tr').length > 0);
    await page.mouse.move(0, 0);
    const card = await page.$('#service-card');
    await card!.screenshot({ path: join(root, 'docs/ui-service.png') });
    expect(opened.errors).toEqual([]);
  });
});
