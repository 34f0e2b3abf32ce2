/**
 * The questions `s6rc db` asks, answered with a few SQL statements instead of
 * loading the whole model: a query on one service of a 3000-service database
 * reads a handful of rows. Sets of services travel as JSON arrays of ids
 * (`json_each`); results are sorted by name.
 */
import type Database from 'better-sqlite3';
import type { Command, ServiceType } from '../../machines/model.js';

export interface ServiceRow {
  id: number;
  name: string;
  type: ServiceType;
  essential: boolean;
  timeoutUp: number;
  timeoutDown: number;
}

export type Direction = 'up' | 'down';

const byName = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** The atomics a selection (JSON array of ids, parameter 1) stands for: atomics themselves, bundles' resolved atomics. */
const ATOMICS_OF = `
  SELECT s.id FROM services s JOIN json_each(@ids) j ON s.id = j.value WHERE s.type != 'bundle'
  UNION
  SELECT b.atomic_id FROM bundle_atomics b JOIN json_each(@ids) j ON b.bundle_id = j.value`;

const EDGE = {
  // up: from a service to what it depends on; down: to what depends on it.
  up: { from: 'service_id', to: 'dependency_id' },
  down: { from: 'dependency_id', to: 'service_id' },
};

export interface QueryOptions {
  /**
   * Leave essential atomics out of what lists atomics (s6-rc-db -e): `list
   * services|oneshots|longruns`, `atomics`, `dependencies`, `all-dependencies`.
   * `list all` and `list bundles` list every name, as s6-rc-db's do.
   */
  withoutEssentials?: boolean;
}

export class CompiledQueries {
  private readonly statements = new Map<string, Database.Statement>();
  /** Appended to the WHERE of every query that lists atomics. */
  private readonly shown: string;

  constructor(
    private readonly db: Database.Database,
    { withoutEssentials = false }: QueryOptions = {},
  ) {
    this.shown = withoutEssentials ? ' AND essential = 0' : '';
  }

  private statement(sql: string): Database.Statement {
    let s = this.statements.get(sql);
    if (!s) this.statements.set(sql, (s = this.db.prepare(sql)));
    return s;
  }

  private names(sql: string, ...params: unknown[]): string[] {
    return (this.statement(sql).pluck().all(...params) as string[]).sort(byName);
  }

  service(name: string): ServiceRow | undefined {
    const row = this.statement('SELECT id, name, type, essential, timeout_up, timeout_down FROM services WHERE name = ?').raw().get(name) as
      | [number, string, ServiceType, number, number, number]
      | undefined;
    if (!row) return undefined;
    const [id, n, type, essential, timeoutUp, timeoutDown] = row;
    return { id, name: n, type, essential: essential === 1, timeoutUp, timeoutDown };
  }

  /** Every service name of one kind: all, services (atomics), oneshots, longruns, bundles. */
  list(which: 'all' | 'services' | 'oneshots' | 'longruns' | 'bundles'): string[] {
    const where = { all: '1', services: "type != 'bundle'", oneshots: "type = 'oneshot'", longruns: "type = 'longrun'", bundles: "type = 'bundle'" }[which];
    return this.names(`SELECT name FROM services WHERE ${where}${which === 'all' || which === 'bundles' ? '' : this.shown}`);
  }

  /** The atomics the services stand for (union). */
  atomics(ids: number[]): string[] {
    return this.names(`SELECT name FROM services WHERE id IN (${ATOMICS_OF})${this.shown}`, { ids: JSON.stringify(ids) });
  }

  /** Direct dependencies (`up`) or dependents (`down`) of the services' atomics, as s6-rc-db prints them. */
  dependencies(ids: number[], direction: Direction): string[] {
    const e = EDGE[direction];
    return this.names(
      `SELECT name FROM services WHERE id IN (SELECT d.${e.to} FROM dependencies d WHERE d.${e.from} IN (${ATOMICS_OF}))${this.shown}`,
      { ids: JSON.stringify(ids) },
    );
  }

  /** Everything needed for the services to be up (`up`) or down (`down`), their own atomics included. */
  allDependencies(ids: number[], direction: Direction): string[] {
    const e = EDGE[direction];
    return this.names(
      `WITH RECURSIVE closure(id) AS (${ATOMICS_OF}
         UNION SELECT d.${e.to} FROM dependencies d JOIN closure c ON d.${e.from} = c.id)
       SELECT name FROM services WHERE id IN (SELECT id FROM closure)${this.shown}`,
      { ids: JSON.stringify(ids) },
    );
  }

  /**
   * The links of the pipeline the longrun is in, as s6-rc-db's print_pipeline
   * orders them: from the last consumer, post-order, each producer's own feeders
   * before the producer itself, producers of one consumer by name. Empty when
   * the longrun is in no pipeline. An explicit stack, since a pipeline may be
   * thousands of longruns deep.
   *
   * @example
   *   q.pipeline(id) // → [['p1', 'c'], ['p2', 'c'], ['c', 'log']]
   */
  pipeline(id: number): [producer: string, consumer: string][] {
    const rows = this.statement(
      `SELECT l.service_id, s.name, l.producer_for FROM pipeline_members m
       JOIN longruns l ON l.service_id = m.service_id JOIN services s ON s.id = m.service_id
       WHERE m.pipeline_id = (SELECT pipeline_id FROM pipeline_members WHERE service_id = ?)`,
    )
      .raw()
      .all(id) as [number, string, number | null][];
    const name = new Map(rows.map(([sid, n]) => [sid, n]));
    const consumerOf = new Map(rows.map(([sid, , consumer]) => [sid, consumer]));
    const producersOf = new Map<number, number[]>();
    for (const [sid, , consumer] of rows) {
      if (consumer === null) continue;
      const producers = producersOf.get(consumer);
      if (producers) producers.push(sid);
      else producersOf.set(consumer, [sid]);
    }
    for (const producers of producersOf.values()) producers.sort((a, b) => byName(name.get(a)!, name.get(b)!));
    if (!name.has(id)) return [];
    // Along producer-for to the last consumer; a database that leaves the pipeline or loops is damaged.
    let last = id;
    for (let steps = 0, next; (next = consumerOf.get(last)!) !== null; last = next) {
      if (!name.has(next) || ++steps > rows.length) throw new Error(`pipeline of ${name.get(id)} is inconsistent at ${name.get(last)}`);
    }
    const links: [string, string][] = [];
    // Each frame: a longrun, the consumer it feeds (null for the last consumer), how many of its producers are done.
    const stack: { node: number; consumer: number | null; done: number }[] = [{ node: last, consumer: null, done: 0 }];
    while (stack.length) {
      const top = stack[stack.length - 1];
      const producers = producersOf.get(top.node) ?? [];
      if (top.done < producers.length) {
        stack.push({ node: producers[top.done++], consumer: top.node, done: 0 });
        continue;
      }
      stack.pop();
      if (top.consumer !== null) links.push([name.get(top.node)!, name.get(top.consumer)!]);
    }
    return links;
  }

  /** A oneshot's up or down command; null when it has none (down absent). */
  command(id: number, direction: Direction): Command | null {
    const row = this.statement('SELECT kind, body FROM commands WHERE service_id = ? AND direction = ?').raw().get(id, direction) as [string, string] | undefined;
    if (!row) return null;
    return row[0] === 'argv' ? { kind: 'argv', argv: JSON.parse(row[1]) as string[] } : { kind: 'script', script: row[1] };
  }

  /**
   * The same settings as values, keyed by file name: what the compiled
   * model holds (`restart-backoff` → `{ min, max }`, `notify-socket` → true).
   */
  settingValues(id: number): Record<string, unknown> {
    const rows = this.statement('SELECT key, value FROM settings WHERE service_id = ? ORDER BY key').raw().all(id) as [string, string][];
    return Object.fromEntries(rows.map(([key, value]) => [key, JSON.parse(value) as unknown]));
  }

  /**
   * The settings of later s6-rc versions and of s6rc's extensions (settings.ts)
   * that are not at their default, as `file value` lines: the file's content as
   * compiled (one line), or the file's name alone for a flag.
   */
  settings(id: number): string[] {
    const rows = this.statement(
      'SELECT s.key, s.value, f.content FROM settings s LEFT JOIN files f ON f.service_id = s.service_id AND f.path = s.key WHERE s.service_id = ? ORDER BY s.key',
    )
      .raw()
      .all(id) as [string, string, Buffer | null][];
    return rows.map(([key, value, content]) => {
      const text = content === null ? String(JSON.parse(value)) : content.toString('utf8').trim().replace(/\s*\n\s*/g, ' ');
      return text === '' ? key : `${key} ${text}`;
    });
  }
}
