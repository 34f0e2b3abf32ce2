import type { Database } from 'better-sqlite3';
import type { EventStore } from './types.js';

export interface StoredActorState {
  state: string;
  context: unknown;
  seq: number;
}

/** The committed `actor_state` projection: each service actor's last state and machine context. */
export function readActorStates(store: EventStore | { db: Database }): Map<string, StoredActorState> {
  const rows = store.db.prepare('SELECT service, state, context, seq FROM actor_state').all() as {
    service: string;
    state: string;
    context: string;
    seq: number;
  }[];
  return new Map(rows.map((r) => [r.service, { state: r.state, context: JSON.parse(r.context), seq: r.seq }]));
}
