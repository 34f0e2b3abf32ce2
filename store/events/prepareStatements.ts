import type { Database } from 'better-sqlite3';

/** Every statement of the append path, prepared once per connection. */
export function prepareStatements(db: Database) {
  return {
    insertEvent: db.prepare(
      'INSERT INTO events (seq, time, boot, change_id, service, type, from_state, to_state, payload) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
    ),
    upsertActor: db.prepare(
      'INSERT INTO actor_state (service, state, context, seq) VALUES (?, ?, ?, ?) ON CONFLICT(service) DO UPDATE SET state = excluded.state, context = excluded.context, seq = excluded.seq',
    ),
    upsertLive: db.prepare(
      'INSERT INTO live_state (service, up, seq) VALUES (?, ?, ?) ON CONFLICT(service) DO UPDATE SET up = excluded.up, seq = excluded.seq',
    ),
    insertChange: db.prepare('INSERT INTO changes (id, boot, argv, user, started) VALUES (?, ?, ?, ?, ?)'),
    endChange: db.prepare('UPDATE changes SET ended = ?, exit_code = ?, done = ?, failed = ?, reason = ? WHERE id = ?'),
  };
}
