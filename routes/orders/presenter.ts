import type { OrderItemRow, OrderRow, Role } from '../../db/database.js'
import type { OrderBody, OrderItemBody } from '../../schemas/orders.js'
import { allowedTransitions } from './status-machine.js'

export function toOrderItemBody (item: OrderItemRow): OrderItemBody {
  return {
    product_id: item.product_id,
    sku: item.sku,
    name: item.name,
    quantity: item.quantity,
    unit_price_cents: item.unit_price_cents,
    subtotal_cents: item.subtotal_cents
  }
}

/** The API representation; allowed_transitions are those of the caller's role. */
export function toOrderBody (order: OrderRow, items: readonly OrderItemRow[], role: Role): OrderBody {
  return {
    id: order.id,
    customer_id: order.customer_id,
    status: order.status,
    currency: order.currency,
    total_cents: order.total_cents,
    items: items.map(toOrderItemBody),
    allowed_transitions: allowedTransitions(order.status, role),
    created_at: order.created_at.toISOString(),
    updated_at: order.updated_at.toISOString()
  }
}
