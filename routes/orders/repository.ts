import { sql, type ExpressionBuilder, type Insertable, type Kysely, type SelectQueryBuilder } from 'kysely'
import type { Database, OrderItemRow, OrderItemsTable, OrderRow, OrderStatus } from '../../db/database.js'

type Db = Kysely<Database>

/**
 * Which orders a caller may see: everyone's (staff, admin) or only those of the
 * customer profile owned by this user.
 */
export type OrderScope = { kind: 'all' } | { kind: 'customer', userId: string }

export interface LockedProduct {
  id: string
  sku: string
  name: string
  price_cents: number
  stock: number
  archived: boolean
}

/** An order item as priced by the service, before it belongs to an order. */
export type NewOrderLine = Omit<Insertable<OrderItemsTable>, 'id' | 'order_id'>

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

function scoped<O> (query: SelectQueryBuilder<Database, 'orders', O>, scope: OrderScope): SelectQueryBuilder<Database, 'orders', O> {
  if (scope.kind === 'all') return query
  return query.where('orders.customer_id', 'in', (eb) =>
    eb.selectFrom('customers').select('customers.id').where('customers.user_id', '=', scope.userId))
}

/**
 * The customer profile, by id or by owning user, key-share locked: it cannot be
 * deleted before this transaction's order references it.
 */
export async function lockCustomer (trx: Db, by: { id: string } | { userId: string }): Promise<string | undefined> {
  const query = trx.selectFrom('customers').select('id').forKeyShare()
  const row = await ('id' in by ? query.where('id', '=', by.id) : query.where('user_id', '=', by.userId)).executeTakeFirst()
  return row?.id
}

/**
 * Locks the product rows in id order. Every transaction that locks several
 * products does it in this order, so two orders for {A, B} and {B, A} queue
 * behind each other instead of deadlocking.
 */
export async function lockProducts (trx: Db, ids: readonly string[]): Promise<LockedProduct[]> {
  if (ids.length === 0) return []
  const rows = await trx.selectFrom('products')
    .select(['id', 'sku', 'name', 'price_cents', 'stock', 'archived_at'])
    .where('id', 'in', ids)
    .orderBy('id')
    .forUpdate()
    .execute()
  return rows.map(({ archived_at: archivedAt, ...row }) => ({ ...row, archived: archivedAt !== null }))
}

export async function decrementStock (trx: Db, productId: string, quantity: number): Promise<void> {
  await trx.updateTable('products')
    .set((eb) => ({ stock: eb('stock', '-', quantity), updated_at: eb.fn<Date>('now') }))
    .where('id', '=', productId)
    .execute()
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
    .set((eb) => ({ stock: eb('products.stock', '+', eb.ref('order_items.quantity')), updated_at: eb.fn<Date>('now') }))
    .whereRef('order_items.product_id', '=', 'products.id')
    .where('order_items.order_id', '=', orderId)
    .execute()
}

export async function insertOrder (trx: Db, order: { customer_id: string, currency: string, total_cents: number }): Promise<OrderRow> {
  return await trx.insertInto('orders')
    .values((eb) => ({ ...order, created_at: nowMs(eb), updated_at: nowMs(eb) }))
    .returningAll()
    .executeTakeFirstOrThrow()
}

export async function insertOrderItems (trx: Db, orderId: string, lines: readonly NewOrderLine[]): Promise<OrderItemRow[]> {
  const rows = await trx.insertInto('order_items')
    .values(lines.map((line) => ({ ...line, order_id: orderId })))
    .returningAll()
    .execute()
  return rows.sort(byProductId)
}

export async function findOrder (db: Db, id: string, scope: OrderScope): Promise<OrderRow | undefined> {
  return await scoped(db.selectFrom('orders').selectAll('orders'), scope).where('orders.id', '=', id).executeTakeFirst()
}

/** The order row locked for this transaction: concurrent transitions of one order run one after the other. */
export async function lockOrder (trx: Db, id: string, scope: OrderScope): Promise<OrderRow | undefined> {
  return await scoped(trx.selectFrom('orders').selectAll('orders'), scope).where('orders.id', '=', id).forUpdate().executeTakeFirst()
}

export async function updateOrderStatus (trx: Db, id: string, status: OrderStatus): Promise<OrderRow> {
  return await trx.updateTable('orders')
    .set((eb) => ({
      status,
      // Strictly later than before even within one millisecond, so the ETag always changes.
      updated_at: eb.fn<Date>('greatest', [nowMs(eb), eb('updated_at', '+', sql<Date>`interval '1 millisecond'`)])
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
export async function listOrders (db: Db, scope: OrderScope, filter: OrderListFilter, limit: number): Promise<OrderRow[]> {
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

function byProductId (a: { product_id: string }, b: { product_id: string }): number {
  return a.product_id < b.product_id ? -1 : a.product_id > b.product_id ? 1 : 0
}
