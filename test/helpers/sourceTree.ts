/** Writes s6-rc source trees for tests from a compact description. */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** Path (relative to the tree) → file content, `{ content, mode }`, `{ symlink }`, or `null` for an empty directory. */
export type Tree = Record<string, string | { content: string; mode: number } | { symlink: string } | null>;

export function writeTree(root: string, tree: Tree): string {
  for (const [rel, spec] of Object.entries(tree)) {
    const path = join(root, rel);
    if (spec === null) {
      mkdirSync(path, { recursive: true });
      continue;
    }
    mkdirSync(dirname(path), { recursive: true });
    if (typeof spec === 'string') writeFileSync(path, spec);
    else if ('symlink' in spec) symlinkSync(spec.symlink, path);
    else writeFileSync(path, spec.content, { mode: spec.mode });
  }
  return root;
}

/** Shorthands for common definitions. */
export const longrun = (name: string, extra: Tree = {}): Tree => ({
  [`${name}/type`]: 'longrun\n',
  [`${name}/run`]: { content: '#!/bin/sh\nexec sleep 1000\n', mode: 0o755 },
  ...prefix(name, extra),
});
export const oneshot = (name: string, up = '/bin/true\n', extra: Tree = {}): Tree => ({
  [`${name}/type`]: 'oneshot\n',
  [`${name}/up`]: up,
  ...prefix(name, extra),
});
export const bundle = (name: string, members: string[], extra: Tree = {}): Tree => ({
  [`${name}/type`]: 'bundle\n',
  [`${name}/contents`]: members.join('\n') + '\n',
  ...prefix(name, extra),
});

function prefix(name: string, tree: Tree): Tree {
  return Object.fromEntries(Object.entries(tree).map(([k, v]) => [`${name}/${k}`, v]));
}

/** A temporary directory for one test; `cleanup` removes it. */
export function scratch(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 's6rc-store-test-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
