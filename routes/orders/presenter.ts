import { sql, type RawBuilder } from 'kysely'
import type { OrderItemRow, OrderRow, OrderStatus, Role } from '../../db/database.js'
import type { RowSource } from '../../db/row-source.js'
import { jsonObject } from '../../db/sql-json.js'
import type { OrderBody, OrderItemBody } from '../../schemas/orders.js'
import type { OrderWithItems } from './repository.js'
import { allowedTransitions, allowedTransitionsByStatus } from './status-machine.js'

export function presentOrderItem (item: OrderItemRow): OrderItemBody {
  return {
    product_id: item.product_id,
    sku: item.sku,
    name: item.name,
    quantity: item.quantity,
    unit_price_cents: item.unit_price_cents,
    subtotal_cents: item.subtotal_cents
  }
}

/**
 * The ETag view of an order for a caller of this role: a customer is shown fewer
 * allowed_transitions than staff, so its representation has a tag of its own (lib/http/etag.ts).
 */
export const orderView = (role: Role): string | undefined => role === 'customer' ? 'customer' : undefined

/** The API representation; allowed_transitions are those of the caller's role. */
export function presentOrder ({ order, items }: OrderWithItems, role: Role): OrderBody {
  return {
    id: order.id,
    customer_id: order.customer_id,
    status: order.status,
    currency: order.currency,
    total_cents: order.total_cents,
    items: items.map(presentOrderItem),
    allowed_transitions: allowedTransitions(order.status, role),
    created_at: order.created_at.toISOString(),
    updated_at: order.updated_at.toISOString()
  }
}

/**
 * presentOrder in SQL, for the order statement (place-order.ts), which writes the order and its
 * order.created event in one round trip: the items of `order` in product id order, the
 * transitions of `role` from the status machine. test/routes/webhooks/payloads.test.ts keeps
 * it equal to GET /api/orders/{id}.
 */
export function orderJson (order: RowSource<OrderRow>, items: RowSource<OrderItemRow>, role: Role): RawBuilder<OrderBody> {
  const item = jsonObject<OrderItemBody>({
    product_id: items.column('product_id'),
    sku: items.column('sku'),
    name: items.column('name'),
    quantity: items.column('quantity'),
    unit_price_cents: items.column('unit_price_cents'),
    subtotal_cents: items.column('subtotal_cents')
  })
  const transitions = JSON.stringify(allowedTransitionsByStatus(role))
  return jsonObject<OrderBody>({
    id: order.column('id'),
    customer_id: order.column('customer_id'),
    status: order.column('status'),
    currency: order.column('currency'),
    total_cents: order.column('total_cents'),
    items: sql<OrderItemBody[]>`(SELECT coalesce(jsonb_agg(${item} ORDER BY ${items.column('product_id')}), '[]'::jsonb)
        FROM ${items.table} WHERE ${items.column('order_id')} = ${order.column('id')})`,
    // A literal (the status machine's, not input), so the fragment has no parameters (routes/orders/place-order.ts compiles it once).
    allowed_transitions: sql<OrderStatus[]>`cast(${sql.lit(transitions)} as jsonb) -> cast(${order.column('status')} as text)`,
    created_at: order.iso('created_at'),
    updated_at: order.iso('updated_at')
  })
}
