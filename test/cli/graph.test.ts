import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { s6rc } from '../helpers/cli.js';
import { webstackLive } from './fixtures/liveDir.js';

let fx: ReturnType<typeof webstackLive>;
beforeEach(() => {
  fx = webstackLive();
});
afterEach(() => fx.cleanup());

describe('s6rc graph', () => {
  it('json: every atomic, dependency and pipeline edges, bundles as nested clusters', () => {
    const r = s6rc(['graph', '-c', join(fx.live, 'compiled'), '--format', 'json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const g = JSON.parse(r.stdout);
    expect(g.nodes.map((n: { name: string }) => n.name)).toEqual(['api', 'api-log', 'cache-warm', 'db', 'migrate']);
    expect(g.nodes.every((n: { state?: string }) => n.state === undefined)).toBe(true);
    expect(g.edges).toContainEqual({ from: 'db', to: 'migrate', kind: 'dependency' });
    expect(g.edges).toContainEqual({ from: 'api', to: 'api-log', kind: 'pipeline', label: 'api-pipeline' });
    expect(g.clusters).toEqual([
      { name: 'api-pipeline', parent: 'default', members: ['api', 'api-log'] },
      { name: 'backend', parent: 'default', members: ['db', 'migrate'] },
      { name: 'default', parent: null, members: ['cache-warm'] },
    ]);
  });

  it('with -l, nodes are coloured by the live state from the store projections', () => {
    const g = JSON.parse(s6rc(['graph', '-l', fx.live, '--format', 'json']).stdout);
    const state = Object.fromEntries(g.nodes.map((n: { name: string; state: string }) => [n.name, n.state]));
    // change 1 brought db, migrate, api up and failed cache-warm; change 2 stopped api and api-log.
    expect(state).toEqual({ db: 'up', migrate: 'up', api: 'down', 'api-log': 'down', 'cache-warm': 'failed' });
  });

  it('services select a subgraph closed over dependencies', () => {
    const g = JSON.parse(s6rc(['graph', '-c', join(fx.live, 'compiled'), '--format', 'json', 'api']).stdout);
    expect(g.nodes.map((n: { name: string }) => n.name)).toEqual(['api', 'db', 'migrate']);
    const b = JSON.parse(s6rc(['graph', '-c', join(fx.live, 'compiled'), '--format', 'json', 'backend']).stdout);
    expect(b.nodes.map((n: { name: string }) => n.name)).toEqual(['db', 'migrate']);
  });

  it('dot: clusters, labelled pipeline edges and fill colours', () => {
    const r = s6rc(['graph', '-l', fx.live]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^digraph s6rc \{/);
    expect(r.stdout).toContain('subgraph "cluster_default" {');
    expect(r.stdout).toMatch(/subgraph "cluster_backend" \{[^}]*"db" \[label="db\\nup", shape=ellipse, fillcolor="#c8efd4"/);
    expect(r.stdout).toContain('"api" -> "api-log" [label="api-pipeline", style=bold, color="#3a78d8"];');
    expect(r.stdout).toContain('"migrate" -> "api";');
  });

  it('mermaid: a flowchart with subgraphs and state classes', () => {
    const r = s6rc(['graph', '-l', fx.live, '--format', 'mermaid']);
    expect(r.stdout.split('\n')[0]).toBe('flowchart LR');
    expect(r.stdout).toContain('subgraph s_bundle_3a_backend["backend"]');
    expect(r.stdout).toContain('s_api ==>|"api-pipeline"| s_api_2d_log');
    expect(r.stdout).toMatch(/class s_cache_2d_warm failed/);
  });

  it('html: one self-contained page, every node named in text and a data attribute', () => {
    const r = s6rc(['graph', '-l', fx.live, '--format', 'html']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^<!doctype html>/);
    expect(r.stdout).not.toMatch(/(src|href)=["']?https?:/);
    for (const name of ['db', 'migrate', 'api', 'api-log', 'cache-warm']) {
      expect(r.stdout).toContain(`data-service="${name}"`);
      expect(r.stdout).toMatch(new RegExp(`<text class="name"[^>]*>${name}</text>`));
    }
    expect(r.stdout).toContain('data-state="failed"');
  });

  it('errors: unknown name 3, invalid database 4, bad format 100', () => {
    const unknown = s6rc(['graph', '-c', join(fx.live, 'compiled'), 'nosuch']);
    expect(unknown.code).toBe(3);
    expect(unknown.stderr).toBe('s6rc: fatal: unknown service name: nosuch\n');
    const bad = s6rc(['graph', '-c', join(fx.live, 'events.db')]);
    expect(bad.code).toBe(4);
    expect(bad.stderr).toMatch(/^s6rc: fatal: .*\n$/);
    const missing = s6rc(['graph', '-c', join(fx.dir, 'nope')]);
    expect(missing.code).toBe(4);
    expect(s6rc(['graph', '-c', join(fx.live, 'compiled'), '--format', 'png']).code).toBe(100);
    expect(s6rc(['graph', '-c', 'x', '-l', 'y']).code).toBe(100);
  });
});
