import { sql, type RawBuilder } from 'kysely'
import type { Db } from '../../db/database.js'
import type { WebhookEventType } from '../../schemas/webhooks.js'
import { currentTraceHeaders } from '../../lib/tracing/context.js'

/**
 * The transactional outbox. Every function here runs inside the caller's transaction: the
 * event rows (and one pending delivery per subscribed, enabled endpoint) commit or roll back
 * with the change itself, so a rolled-back change emits nothing and a committed one is
 * never lost. Delivery happens later, in routes/webhooks/worker.ts (started by background.ts).
 * The domains that emit events hand over their resources as their presenters show them (in
 * TypeScript, or in SQL inside one statement: routes/orders/events.ts), so this module depends
 * on no domain.
 */
export interface OutboxEvent {
  type: WebhookEventType
  /** The resource as the API shows it (the `data` member of the payload). */
  data: unknown
}

/**
 * The outbox writes as CTEs of a larger statement: the events that `source` selects as
 * (type, data), and one pending delivery per enabled endpoint subscribed to each type.
 * Data-modifying CTEs run to completion whether or not the main query reads them.
 * Each event keeps the writer's trace context (null when not traced: the SQL text is the same
 * either way, so named statements stay one text), which its delivery attempts continue.
 */
export function outboxCtes (source: RawBuilder<OutboxEvent>): RawBuilder<unknown> {
  const { traceparent, tracestate } = currentTraceHeaders()
  return sql`outbox_events AS (
      INSERT INTO webhook_events (type, data, traceparent, tracestate)
      SELECT source.type, source.data, ${traceparent}::text, ${tracestate}::text FROM (${source}) AS source (type, data)
      RETURNING id, type
    ),
    outbox_deliveries AS (
      INSERT INTO webhook_deliveries (event_id, endpoint_id)
      SELECT outbox_events.id, webhook_endpoints.id
      FROM outbox_events
      JOIN webhook_endpoints ON webhook_endpoints.enabled AND webhook_endpoints.events @> jsonb_build_array(outbox_events.type)
    )`
}

/** Writes the events, in one statement. */
export async function recordEvents (trx: Db, events: readonly OutboxEvent[]): Promise<void> {
  if (events.length === 0) return
  const rows = events.map((event) => sql`(${event.type}, cast(${JSON.stringify(event.data)} as jsonb))`)
  await sql`WITH ${outboxCtes(sql<OutboxEvent>`VALUES ${sql.join(rows)}`)} SELECT count(*) AS events FROM outbox_events`.execute(trx)
}
