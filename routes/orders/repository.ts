import { sql, type ExpressionBuilder, type SelectQueryBuilder } from 'kysely'
import type { Database, Db, OrderItemRow, OrderRow, OrderStatus } from '../../db/database.js'
import type { Scope } from '../../lib/scope.js'

/** An order row (with its version) and its items in product id order: what the service returns and the presenter shows. */
export interface OrderWithItems {
  order: OrderRow
  items: OrderItemRow[]
}

export interface OrderListFilter {
  status?: OrderStatus
  customerId?: string
  createdAfter?: Date
  createdBefore?: Date
  /** Keyset position: rows strictly after (created_at, id). */
  after?: { createdAt: Date, id: string }
}

/**
 * Timestamps are stored at millisecond precision: the API (and keyset cursors)
 * speak JS Dates, so a microsecond tail would make cursors skip rows.
 */
const nowMs = (eb: ExpressionBuilder<Database, 'orders'>) =>
  eb.fn<Date>('date_trunc', [eb.val('milliseconds'), eb.fn<Date>('now')])

function scoped<O> (query: SelectQueryBuilder<Database, 'orders', O>, scope: Scope): SelectQueryBuilder<Database, 'orders', O> {
  if (scope.kind === 'all') return query
  return query.where('orders.customer_id', 'in', (eb) =>
    eb.selectFrom('customers').select('customers.id').where('customers.user_id', '=', scope.userId))
}

/** Locks (in id order) the products of an order, then puts each item's quantity back. */
export async function restockOrder (trx: Db, orderId: string): Promise<void> {
  await trx.selectFrom('products')
    .select('products.id')
    .where('products.id', 'in', (eb) => eb.selectFrom('order_items').select('order_items.product_id').where('order_items.order_id', '=', orderId))
    .orderBy('products.id')
    .forUpdate()
    .execute()
  await trx.updateTable('products')
    .from('order_items')
    .set((eb) => ({ stock: eb('products.stock', '+', eb.ref('order_items.quantity')), updated_at: sql<Date>`greatest(now(), products.updated_at)` }))
    .whereRef('order_items.product_id', '=', 'products.id')
    .where('order_items.order_id', '=', orderId)
    .execute()
}

export async function findOrder (db: Db, id: string, scope: Scope): Promise<OrderRow | undefined> {
  return await scoped(db.selectFrom('orders').selectAll('orders'), scope).where('orders.id', '=', id).executeTakeFirst()
}

/** The order row locked for this transaction: concurrent transitions of one order run one after the other. */
export async function lockOrder (trx: Db, id: string, scope: Scope): Promise<OrderRow | undefined> {
  return await scoped(trx.selectFrom('orders').selectAll('orders'), scope).where('orders.id', '=', id).forUpdate().executeTakeFirst()
}

export async function updateOrderStatus (trx: Db, id: string, status: OrderStatus): Promise<OrderRow> {
  return await trx.updateTable('orders')
    .set((eb) => ({
      status,
      // Never earlier than before; the ETag comes from the row version, which the database bumps.
      updated_at: eb.fn<Date>('greatest', [nowMs(eb), eb.ref('updated_at')])
    }))
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow()
}

/** Items of many orders in one query (no N+1 for a page). */
export async function findItemsOfOrders (db: Db, orderIds: readonly string[]): Promise<OrderItemRow[]> {
  if (orderIds.length === 0) return []
  return await db.selectFrom('order_items')
    .selectAll()
    .where('order_id', 'in', orderIds)
    .orderBy('order_id')
    .orderBy('product_id')
    .execute()
}

/** Up to `limit` orders in (created_at, id) order, after the keyset position. */
export async function listOrders (db: Db, scope: Scope, filter: OrderListFilter, limit: number): Promise<OrderRow[]> {
  let query = scoped(db.selectFrom('orders').selectAll('orders'), scope)
  if (filter.status !== undefined) query = query.where('orders.status', '=', filter.status)
  if (filter.customerId !== undefined) query = query.where('orders.customer_id', '=', filter.customerId)
  if (filter.createdAfter !== undefined) query = query.where('orders.created_at', '>', filter.createdAfter)
  if (filter.createdBefore !== undefined) query = query.where('orders.created_at', '<', filter.createdBefore)
  const after = filter.after
  if (after !== undefined) {
    query = query.where((eb) => eb(eb.refTuple('orders.created_at', 'orders.id'), '>', eb.tuple(after.createdAt, after.id)))
  }
  return await query.orderBy('orders.created_at').orderBy('orders.id').limit(limit).execute()
}
