import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { s6rc } from '../helpers/cli.js';
import { webstackLive } from './fixtures/liveDir.js';

let fx: ReturnType<typeof webstackLive>;
beforeEach(() => {
  fx = webstackLive();
});
afterEach(() => fx.cleanup());

const bars = (svg: string) =>
  [...svg.matchAll(/<g class="bar ([^"]*)" data-service="([^"]+)" data-outcome="([^"]+)" data-direction="([^"]+)">/g)].map((m) => ({
    classes: m[1].split(' '),
    service: m[2],
    outcome: m[3],
    direction: m[4],
  }));

describe('s6rc plot', () => {
  it('draws one bar per service of the change, the failure marked, the critical chain highlighted', () => {
    const r = s6rc(['plot', '-l', fx.live, '--change', '1']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" class="s6rc-plot"/);
    const b = bars(r.stdout);
    expect(b.map((x) => x.service)).toEqual(['db', 'api-log', 'migrate', 'api', 'cache-warm']);
    expect(b.find((x) => x.service === 'cache-warm')!.outcome).toBe('failed');
    expect(b.filter((x) => x.outcome === 'done').map((x) => x.service)).toEqual(['db', 'api-log', 'migrate', 'api']);
    expect(b.filter((x) => x.classes.includes('critical')).map((x) => x.service)).toEqual(['db', 'migrate', 'api', 'cache-warm']);
    expect(r.stdout).toMatch(/<text class="fail"[^>]*>✗ failed<\/text><text class="info"[^>]*>179ms — exited 3<\/text>/);
    // A time axis with ticks from 0.
    expect(r.stdout).toContain('<g class="tick" data-ms="0">');
    expect((r.stdout.match(/<g class="tick"/g) ?? []).length).toBeGreaterThanOrEqual(5);
  });

  it('defaults to the last change and writes to a file with -o', () => {
    const out = join(fx.dir, 'p.svg');
    const r = s6rc(['plot', '-l', fx.live, '-o', out]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    const svg = readFileSync(out, 'utf8');
    expect(svg).toContain('data-change="2"');
    expect(bars(svg).map((x) => [x.service, x.direction, x.outcome])).toEqual([
      ['api', 'down', 'done'],
      ['api-log', 'down', 'done'],
    ]);
  });

  it('an unknown change is one line, exit 1', () => {
    const r = s6rc(['plot', '-l', fx.live, '--change', '9']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('s6rc: fatal: no change 9 in the event log\n');
  });
});
