import { sql, type Kysely } from 'kysely'

/**
 * The events feed (GET /api/events) reads the outbox in (xid, seq) order: xid is the id of the
 * transaction that wrote the event, seq its order within the table. A reader only hands out
 * events whose xid is below its snapshot's xmin, i.e. written by transactions that have all
 * ended, so an event can never appear behind a cursor already given out, whatever order the
 * writers commit in, and without any lock among the writers.
 */
const STATEMENTS = [
  'ALTER TABLE webhook_events ADD COLUMN xid xid8 NOT NULL DEFAULT pg_current_xact_id()',
  'ALTER TABLE webhook_events ADD COLUMN seq bigint GENERATED ALWAYS AS IDENTITY',
  'CREATE INDEX webhook_events_xid_seq_idx ON webhook_events (xid, seq)'
]

// Migrations take Kysely<any>: they must not depend on the current Database type.
export async function up (db: Kysely<any>): Promise<void> {
  for (const statement of STATEMENTS) await sql.raw(statement).execute(db)
}

export async function down (db: Kysely<any>): Promise<void> {
  await sql`DROP INDEX IF EXISTS webhook_events_xid_seq_idx`.execute(db)
  await sql`ALTER TABLE webhook_events DROP COLUMN IF EXISTS seq, DROP COLUMN IF EXISTS xid`.execute(db)
}
