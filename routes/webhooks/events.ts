import { sql, type RawBuilder } from 'kysely'
import type { Db, OrderItemRow, OrderRow, OrderStatus } from '../../db/database.js'
import type { ProductBody } from '../../schemas/products.js'
import type { WebhookEventType } from '../../schemas/webhooks.js'
import { toOrderBody } from '../orders/presenter.js'

/**
 * The transactional outbox. Every function here runs inside the caller's transaction: the
 * event rows (and one pending delivery per subscribed, enabled endpoint) commit or roll back
 * with the change itself, so a rolled-back change emits nothing and a committed one is
 * never lost. Delivery happens later, in plugins/app/webhook-worker.ts.
 */
export interface OutboxEvent {
  type: WebhookEventType
  /** The resource as the API shows it (the `data` member of the payload). */
  data: unknown
}

/** Inserts the events of `source` and fans each out to the endpoints subscribed to its type. */
function fanOut (source: RawBuilder<unknown>): RawBuilder<unknown> {
  return sql`
    WITH new_events AS (
      INSERT INTO webhook_events (type, data) ${source}
      RETURNING id, type
    )
    INSERT INTO webhook_deliveries (event_id, endpoint_id)
    SELECT new_events.id, webhook_endpoints.id
    FROM new_events
    JOIN webhook_endpoints ON webhook_endpoints.enabled AND webhook_endpoints.events @> jsonb_build_array(new_events.type)`
}

/** Writes the events, in one statement. */
export async function recordEvents (trx: Db, events: readonly OutboxEvent[]): Promise<void> {
  if (events.length === 0) return
  const rows = events.map((event) => sql`(${event.type}, cast(${JSON.stringify(event.data)} as jsonb))`)
  await fanOut(sql`VALUES ${sql.join(rows)}`).execute(trx)
}

/** An order as staff see it (every legal next move), whoever made the change. */
const orderData = (order: OrderRow, items: readonly OrderItemRow[]) => toOrderBody(order, items, 'staff')

const isoText = (column: string) => sql`to_char(${sql.ref(column)} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`

/**
 * order.created, plus product.out_of_stock for each ordered product whose stock this order
 * took to 0: the rows are locked by the order's transaction and had at least the ordered
 * quantity before, so stock = 0 now means this order emptied them. One statement, one
 * round trip; the product is built like the API's presenter (same fields, same ISO text).
 */
export async function recordOrderCreated (trx: Db, order: OrderRow, items: readonly OrderItemRow[], currency: string): Promise<void> {
  const productIds = items.map((item) => item.product_id)
  const soldOut = sql`
    SELECT 'product.out_of_stock', jsonb_build_object(
      'id', id, 'sku', sku, 'name', name, 'description', description, 'price_cents', price_cents,
      'currency', cast(${currency} as text), 'stock', stock,
      'created_at', ${isoText('created_at')}, 'updated_at', ${isoText('updated_at')})
    FROM products WHERE stock = 0 AND id IN (${sql.join(productIds)})`
  const created = sql`SELECT 'order.created', cast(${JSON.stringify(orderData(order, items))} as jsonb)`
  await fanOut(productIds.length === 0 ? created : sql`${created} UNION ALL ${soldOut}`).execute(trx)
}

export async function recordOrderStatusChanged (trx: Db, order: OrderRow, items: readonly OrderItemRow[], previous: OrderStatus): Promise<void> {
  await recordEvents(trx, [{ type: 'order.status_changed', data: { ...orderData(order, items), previous_status: previous } }])
}

/** product.out_of_stock when a write (PUT/PATCH) takes a product's stock from above 0 to 0. */
export async function recordProductStockChange (trx: Db, before: { stock: number }, after: ProductBody): Promise<void> {
  if (before.stock > 0 && after.stock === 0) await recordEvents(trx, [{ type: 'product.out_of_stock', data: after }])
}
