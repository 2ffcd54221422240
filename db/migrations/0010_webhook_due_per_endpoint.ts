import { sql, type Kysely } from 'kysely'

/**
 * The delivery worker claims the earliest due delivery of each endpoint (routes/webhooks/worker.ts),
 * so that one endpoint's backlog cannot fill every slot: one index probe per endpoint.
 */
export async function up (db: Kysely<any>): Promise<void> {
  await sql`CREATE INDEX webhook_deliveries_endpoint_due_idx ON webhook_deliveries (endpoint_id, next_attempt_at) WHERE status = 'pending'`.execute(db)
}

export async function down (db: Kysely<any>): Promise<void> {
  await sql`DROP INDEX IF EXISTS webhook_deliveries_endpoint_due_idx`.execute(db)
}
