import { sql, type Kysely } from 'kysely'

/**
 * The audit log is read in (xid, seq) order, as the events feed is (migration 0005), instead of
 * (at, id): `at` is its transaction's start, so a change that waited on a lock was listed before
 * changes committed while it waited, behind cursors already handed out, and a reader following
 * `after` never saw it. GET /api/audit-events lists only rows of transactions that have all ended
 * (xid below its snapshot's xmin), so a row can never appear behind a cursor. Rows written before
 * this migration share its xid and keep their insertion order in seq. Adding the columns rewrites
 * the table without firing its append-only triggers.
 */
const STATEMENTS = [
  'ALTER TABLE audit_events ADD COLUMN xid xid8 NOT NULL DEFAULT pg_current_xact_id()',
  'ALTER TABLE audit_events ADD COLUMN seq bigint GENERATED ALWAYS AS IDENTITY',
  // Paging alone and under each filter; (at, id) stays for the retention purge.
  'CREATE INDEX audit_events_xid_seq_idx ON audit_events (xid, seq)',
  'CREATE INDEX audit_events_resource_xid_idx ON audit_events (resource_id, xid, seq)',
  'CREATE INDEX audit_events_resource_type_xid_idx ON audit_events (resource_type, xid, seq)',
  'CREATE INDEX audit_events_actor_xid_idx ON audit_events (actor_id, xid, seq)',
  'DROP INDEX audit_events_resource_idx',
  'DROP INDEX audit_events_resource_type_idx',
  'DROP INDEX audit_events_actor_idx'
]

// Migrations take Kysely<any>: they must not depend on the current Database type.
export async function up (db: Kysely<any>): Promise<void> {
  for (const statement of STATEMENTS) await sql.raw(statement).execute(db)
}

export async function down (db: Kysely<any>): Promise<void> {
  await sql`CREATE INDEX IF NOT EXISTS audit_events_resource_idx ON audit_events (resource_id, at, id)`.execute(db)
  await sql`CREATE INDEX IF NOT EXISTS audit_events_resource_type_idx ON audit_events (resource_type, at, id)`.execute(db)
  await sql`CREATE INDEX IF NOT EXISTS audit_events_actor_idx ON audit_events (actor_id, at, id)`.execute(db)
  await sql`ALTER TABLE audit_events DROP COLUMN IF EXISTS seq, DROP COLUMN IF EXISTS xid`.execute(db)
}
