import { sql, type RawBuilder } from 'kysely'
import type { Db, OrderItemRow, OrderRow, OrderStatus } from '../../db/database.js'
import type { RowSource } from '../../db/row-source.js'
import type { WebhookEventType } from '../../schemas/webhooks.js'
import { productJson, type PresentedProductColumns } from '../products/presenter.js'
import { recordEvents, type OutboxEvent } from '../webhooks/events.js'
import { orderJson, presentOrder } from './presenter.js'
import type { OrderWithItems } from './repository.js'

/** What the order statement (place-order.ts) wrote, as the rows its events read. */
export interface PlacedOrderSources {
  order: RowSource<OrderRow>
  items: RowSource<OrderItemRow>
  /** The ordered products, stock decremented. */
  products: RowSource<PresentedProductColumns>
}

const eventTypeLiteral = (type: WebhookEventType): RawBuilder<WebhookEventType> => sql.lit(type)

/**
 * The events of a new order, the `source` of the outbox CTEs inside the order statement:
 * order.created with the order as staff see it (every legal next move, whoever ordered), and
 * product.out_of_stock for each ordered product this order took to 0 (the rows are locked
 * FOR UPDATE and had at least the ordered quantity, so stock 0 now means this order emptied it).
 */
export function orderCreatedEvents (placed: PlacedOrderSources): RawBuilder<OutboxEvent> {
  return sql<OutboxEvent>`
      SELECT ${eventTypeLiteral('order.created')}, ${orderJson(placed.order, placed.items, 'staff')} FROM ${placed.order.table}
      UNION ALL
      SELECT ${eventTypeLiteral('product.out_of_stock')}, ${productJson(placed.products, sql<string>`(SELECT ${placed.order.column('currency')} FROM ${placed.order.table})`)}
      FROM ${placed.products.table} WHERE ${placed.products.column('stock')} = 0`
}

/** order.status_changed with the order as staff see it, whoever made the change. */
export async function recordOrderStatusChanged (trx: Db, changed: OrderWithItems, previous: OrderStatus): Promise<void> {
  await recordEvents(trx, [{ type: 'order.status_changed', data: { ...presentOrder(changed, 'staff'), previous_status: previous } }])
}
