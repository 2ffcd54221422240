import { sql, type RawBuilder } from 'kysely'
import type { Db, OrderStatus } from '../../db/database.js'
import { isoTimestamp } from '../../db/sql-timestamps.js'
import type { OrderBody } from '../../schemas/orders.js'
import type { ProductBody } from '../../schemas/products.js'
import type { WebhookEventType } from '../../schemas/webhooks.js'
import { currentTraceHeaders } from '../../lib/tracing/context.js'

/**
 * The transactional outbox. Every function here runs inside the caller's transaction: the
 * event rows (and one pending delivery per subscribed, enabled endpoint) commit or roll back
 * with the change itself, so a rolled-back change emits nothing and a committed one is
 * never lost. Delivery happens later, in routes/webhooks/worker.ts (started by background.ts).
 * The domains that emit events hand over their resources as the API shows them, so this module
 * depends on no domain.
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
export function outboxCtes (source: RawBuilder<unknown>): RawBuilder<unknown> {
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
  await sql`WITH ${outboxCtes(sql`VALUES ${sql.join(rows)}`)} SELECT count(*) AS events FROM outbox_events`.execute(trx)
}

/** A product as the API shows it (routes/products/presenter.ts presentProduct: same fields, same ISO text), from `row`'s columns. */
function productData (row: string, currency: string): RawBuilder<unknown> {
  const column = (name: string) => sql.ref(`${row}.${name}`)
  return sql`jsonb_build_object(
      'id', ${column('id')}, 'sku', ${column('sku')}, 'name', ${column('name')}, 'description', ${column('description')},
      'price_cents', ${column('price_cents')}, 'currency', cast(${currency} as text), 'stock', ${column('stock')},
      'created_at', ${isoTimestamp(`${row}.created_at`)}, 'updated_at', ${isoTimestamp(`${row}.updated_at`)})`
}

/** The CTEs of the order statement (routes/orders/place-order.ts) that the order's events read. */
export interface PlacedOrderCtes {
  /** The inserted order (RETURNING the orders columns). */
  order: string
  /** Its inserted items (RETURNING product_id, sku, name, quantity, unit_price_cents, subtotal_cents). */
  items: string
  /** The ordered products as decremented (RETURNING the products columns after the update). */
  products: string
}

/**
 * The events of a new order, as the `source` of outboxCtes inside the order statement itself:
 * order.created with the order as staff see it (toOrderBody(..., 'staff'), built in SQL:
 * items in product id order like the statement's result, allowed_transitions from the status
 * machine as a parameter), and product.out_of_stock for each ordered product whose stock this
 * order took to 0 (the rows are locked FOR UPDATE and had at least the ordered quantity, so
 * stock = 0 after the decrement means this order emptied them).
 */
export function orderCreatedEvents (ctes: PlacedOrderCtes, currency: string, staffTransitions: Record<OrderStatus, OrderStatus[]>): RawBuilder<unknown> {
  const order = (name: string) => sql.ref(`o.${name}`)
  const item = (name: string) => sql.ref(`i.${name}`)
  const staffMoves = JSON.stringify(staffTransitions)
  return sql`
      SELECT 'order.created', jsonb_build_object(
        'id', ${order('id')}, 'customer_id', ${order('customer_id')}, 'status', ${order('status')}, 'currency', ${order('currency')},
        'total_cents', ${order('total_cents')},
        'items', (SELECT coalesce(jsonb_agg(jsonb_build_object(
          'product_id', ${item('product_id')}, 'sku', ${item('sku')}, 'name', ${item('name')}, 'quantity', ${item('quantity')},
          'unit_price_cents', ${item('unit_price_cents')}, 'subtotal_cents', ${item('subtotal_cents')}
        ) ORDER BY ${item('product_id')}), '[]'::jsonb) FROM ${sql.table(ctes.items)} AS i),
        'allowed_transitions', cast(${staffMoves} as jsonb) -> cast(${order('status')} as text),
        'created_at', ${isoTimestamp('o.created_at')}, 'updated_at', ${isoTimestamp('o.updated_at')})
      FROM ${sql.table(ctes.order)} AS o
      UNION ALL
      SELECT 'product.out_of_stock', ${productData('p', currency)}
      FROM ${sql.table(ctes.products)} AS p WHERE p.stock = 0`
}

/** `order` as staff see it (every legal next move), whoever made the change. */
export async function recordOrderStatusChanged (trx: Db, order: OrderBody, previous: OrderStatus): Promise<void> {
  await recordEvents(trx, [{ type: 'order.status_changed', data: { ...order, previous_status: previous } }])
}

/** product.out_of_stock when a write (PUT/PATCH) takes a product's stock from above 0 to 0. */
export async function recordProductStockChange (trx: Db, before: { stock: number }, after: ProductBody): Promise<void> {
  if (before.stock > 0 && after.stock === 0) await recordEvents(trx, [{ type: 'product.out_of_stock', data: after }])
}
