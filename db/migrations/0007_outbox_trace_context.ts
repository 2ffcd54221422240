import { sql, type Kysely } from 'kysely'

/**
 * The trace context (W3C traceparent / tracestate) of the request that wrote an outbox event,
 * so each webhook delivery attempt continues that request's trace. Null when tracing is off.
 * A nullable column without a default: adding it rewrites nothing.
 */
const STATEMENTS = [
  'ALTER TABLE webhook_events ADD COLUMN traceparent text CHECK (char_length(traceparent) <= 64)',
  'ALTER TABLE webhook_events ADD COLUMN tracestate text CHECK (char_length(tracestate) <= 512)'
]

// Migrations take Kysely<any>: they must not depend on the current Database type.
export async function up (db: Kysely<any>): Promise<void> {
  for (const statement of STATEMENTS) await sql.raw(statement).execute(db)
}

export async function down (db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE webhook_events DROP COLUMN IF EXISTS tracestate, DROP COLUMN IF EXISTS traceparent`.execute(db)
}
