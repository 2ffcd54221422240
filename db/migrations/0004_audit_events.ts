import { sql, type Kysely } from 'kysely'

/**
 * The audit log: one row per change made through the API, written in the change's own
 * transaction. Append-only, enforced here and not in the code: a trigger refuses every
 * UPDATE and TRUNCATE, and every DELETE except the retention purge's (the transaction sets
 * goshop.audit_purge = on) of rows older than AUDIT_MIN_RETENTION. So no SQL of the app,
 * however it is called, can rewrite or drop recent history; only a schema change (disabling
 * the trigger, as the table's owner) could, and docs/operations.md says how to take even that
 * away from the app's role.
 */
/** The floor under AUDIT_RETENTION_DAYS (schemas/env.ts), enforced by the database itself. */
const AUDIT_MIN_RETENTION_DAYS = 30

const STATEMENTS = [
  `CREATE TABLE audit_events (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    at timestamptz NOT NULL DEFAULT now(),
    actor_type text NOT NULL CHECK (actor_type IN ('user', 'api_key')),
    actor_id uuid NOT NULL,
    action text NOT NULL CHECK (char_length(action) BETWEEN 1 AND 100),
    resource_type text NOT NULL CHECK (char_length(resource_type) BETWEEN 1 AND 50),
    resource_id uuid NOT NULL,
    changes jsonb NOT NULL CHECK (jsonb_typeof(changes) = 'object'),
    request_id text NOT NULL CHECK (char_length(request_id) BETWEEN 1 AND 200)
  )`,
  // Keyset paging on (at, id), alone and under each filter of GET /api/audit-events.
  'CREATE INDEX audit_events_at_id_idx ON audit_events (at, id)',
  'CREATE INDEX audit_events_resource_idx ON audit_events (resource_id, at, id)',
  'CREATE INDEX audit_events_resource_type_idx ON audit_events (resource_type, at, id)',
  'CREATE INDEX audit_events_actor_idx ON audit_events (actor_id, at, id)',
  `CREATE FUNCTION audit_events_append_only () RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    IF TG_OP = 'DELETE' THEN
      IF current_setting('goshop.audit_purge', true) = 'on' AND OLD.at < now() - interval '${AUDIT_MIN_RETENTION_DAYS} days' THEN
        RETURN OLD;
      END IF;
    END IF;
    RAISE EXCEPTION USING
      ERRCODE = 'insufficient_privilege',
      MESSAGE = 'audit_events is append-only: ' || TG_OP || ' refused',
      HINT = 'Only the retention purge deletes, and only rows older than ${AUDIT_MIN_RETENTION_DAYS} days (docs/operations.md, "Audit log").';
  END
  $$`,
  'CREATE TRIGGER audit_events_no_update_or_delete BEFORE UPDATE OR DELETE ON audit_events FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()',
  'CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only()'
]

// Migrations take Kysely<any>: they must not depend on the current Database type.
export async function up (db: Kysely<any>): Promise<void> {
  for (const statement of STATEMENTS) await sql.raw(statement).execute(db)
}

export async function down (db: Kysely<any>): Promise<void> {
  await sql`DROP TABLE IF EXISTS audit_events`.execute(db)
  await sql`DROP FUNCTION IF EXISTS audit_events_append_only()`.execute(db)
}
