import { sql, type Selectable } from 'kysely'
import type { Db, WebhookAttemptsTable, WebhookDeliveriesTable, WebhookDeliveryStatus, WebhookEndpointsTable } from '../../db/database.js'

export type EndpointRecord = Omit<Selectable<WebhookEndpointsTable>, 'secret'>
export type DeliveryRecord = Selectable<WebhookDeliveriesTable> & { event_type: string }
export type AttemptRecord = Selectable<WebhookAttemptsTable>

export interface Keyset { createdAt: Date, id: string }

const ENDPOINT_COLUMNS = ['id', 'url', 'events', 'description', 'enabled', 'version', 'created_at', 'updated_at'] as const

// Never backwards (the ETag is the row version; see routes/etag.ts).
const nextUpdatedAt = sql<Date>`greatest(date_trunc('milliseconds', now()), updated_at)`
const nowMs = sql<Date>`date_trunc('milliseconds', now())`

export async function insertEndpoint (db: Db, values: { url: string, events: string[], description: string, secret: string }): Promise<EndpointRecord> {
  return await db.insertInto('webhook_endpoints')
    .values({ ...values, events: JSON.stringify(values.events), created_at: nowMs, updated_at: nowMs })
    .returning(ENDPOINT_COLUMNS)
    .executeTakeFirstOrThrow()
}

export async function findEndpoint (db: Db, id: string, lock = false): Promise<EndpointRecord | undefined> {
  const query = db.selectFrom('webhook_endpoints').select(ENDPOINT_COLUMNS).where('id', '=', id)
  return await (lock ? query.forUpdate() : query).executeTakeFirst()
}

export async function listEndpoints (db: Db, after: Keyset | null, limit: number): Promise<EndpointRecord[]> {
  let query = db.selectFrom('webhook_endpoints').select(ENDPOINT_COLUMNS)
  if (after !== null) query = query.where((eb) => eb(eb.refTuple('created_at', 'id'), '>', eb.tuple(after.createdAt, after.id)))
  return await query.orderBy('created_at').orderBy('id').limit(limit).execute()
}

export async function updateEndpoint (db: Db, id: string, fields: { url?: string, events?: string[], description?: string, enabled?: boolean, secret?: string }): Promise<EndpointRecord | undefined> {
  const { events, ...rest } = fields
  return await db.updateTable('webhook_endpoints')
    .set({ ...rest, ...(events !== undefined ? { events: JSON.stringify(events) } : {}), updated_at: nextUpdatedAt })
    .where('id', '=', id)
    .returning(ENDPOINT_COLUMNS)
    .executeTakeFirst()
}

export async function deleteEndpoint (db: Db, id: string): Promise<void> {
  await db.deleteFrom('webhook_endpoints').where('id', '=', id).execute()
}

const selectDeliveries = (db: Db) => db.selectFrom('webhook_deliveries')
  .innerJoin('webhook_events', 'webhook_events.id', 'webhook_deliveries.event_id')
  .selectAll('webhook_deliveries')
  .select('webhook_events.type as event_type')

export async function listDeliveries (db: Db, endpointId: string, filter: { status?: WebhookDeliveryStatus | undefined, after: Keyset | null }, limit: number): Promise<DeliveryRecord[]> {
  let query = selectDeliveries(db).where('webhook_deliveries.endpoint_id', '=', endpointId)
  if (filter.status !== undefined) query = query.where('webhook_deliveries.status', '=', filter.status)
  const after = filter.after
  if (after !== null) {
    query = query.where((eb) => eb(eb.refTuple('webhook_deliveries.created_at', 'webhook_deliveries.id'), '>', eb.tuple(after.createdAt, after.id)))
  }
  return await query.orderBy('webhook_deliveries.created_at').orderBy('webhook_deliveries.id').limit(limit).execute()
}

export async function findDelivery (db: Db, endpointId: string, id: string): Promise<DeliveryRecord | undefined> {
  return await selectDeliveries(db)
    .where('webhook_deliveries.endpoint_id', '=', endpointId)
    .where('webhook_deliveries.id', '=', id)
    .executeTakeFirst()
}

export async function attemptsOf (db: Db, deliveryIds: readonly string[]): Promise<AttemptRecord[]> {
  if (deliveryIds.length === 0) return []
  return await db.selectFrom('webhook_attempts').selectAll().where('delivery_id', 'in', deliveryIds).orderBy('delivery_id').orderBy('attempt').execute()
}

/** Due now again: a failed delivery becomes pending, a pending one is moved to the front. */
/**
 * Makes the delivery due now, unless an attempt is out (claimed under its lease and not yet
 * recorded): a second send beside it would reach the receiver twice at once.
 */
export async function scheduleNow (db: Db, endpointId: string, id: string): Promise<void> {
  await db.updateTable('webhook_deliveries')
    .set({ status: 'pending', next_attempt_at: sql<Date>`now()`, updated_at: sql<Date>`now()` })
    .where('endpoint_id', '=', endpointId)
    .where('id', '=', id)
    .where((eb) => eb.not(eb.and([
      eb('status', '=', 'pending'),
      eb('next_attempt_at', '>', sql<Date>`now()`),
      eb('attempts', '>', eb.selectFrom('webhook_attempts').select(sql<number>`coalesce(max(attempt), 0)`.as('recorded')).whereRef('webhook_attempts.delivery_id', '=', 'webhook_deliveries.id'))
    ])))
    .execute()
}

/** The outbox's backlog: pending deliveries and the age of the oldest (two aggregates over the partial index of pending ones). */
export async function deliveryBacklog (db: Db): Promise<{ pending: number, oldestSeconds: number }> {
  // A paused (disabled) endpoint's deliveries wait on purpose: they would set off the backlog alert.
  const row = await db.selectFrom('webhook_deliveries')
    .innerJoin('webhook_endpoints', 'webhook_endpoints.id', 'webhook_deliveries.endpoint_id')
    .select((eb) => [
      eb.fn.countAll<number>().as('pending'),
      sql<number>`coalesce(extract(epoch from now() - min(webhook_deliveries.created_at)), 0)`.as('oldest')
    ])
    .where('webhook_deliveries.status', '=', 'pending')
    .where('webhook_endpoints.enabled', '=', true)
    .executeTakeFirstOrThrow()
  return { pending: Number(row.pending), oldestSeconds: Number(row.oldest) }
}
