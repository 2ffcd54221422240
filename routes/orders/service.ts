// Orders: the business rules, and the owner of every order transaction.
import { Value } from 'typebox/value'
import type { Db, OrderStatus } from '../../db/database.js'
import { withTransactionRetry, type RetryOptions } from '../../db/transaction-retry.js'
import { AppError, forbidden } from '../../lib/app-error.js'
import { claimKey, rememberResponse, requestHash, type IdempotencyContext } from '../../lib/idempotency/claims.js'
import type { FieldErrorBody } from '../../schemas/problem.js'
import { Order, type CreateOrderInput, type ListOrdersFilter, type OrderBody } from '../../schemas/orders.js'
import { decodeCreatedAtCursor, paginate } from '../../lib/http/pagination.js'
import { mergeLines, type MergedLine } from './lines.js'
import { isRefusal, placeOrder, type LockedProduct, type OrderRefusal, type OrderRequest } from './place-order.js'
import {
  findItemsOfOrders, findOrder, listOrders, lockOrder, restockOrder, updateOrderStatus, type OrderWithItems
} from './repository.js'
import { scopeOf, type Caller } from '../../lib/scope.js'
import { recordOrderStatusChanged } from './events.js'
import { recordAudit, type AuditContext } from '../audit/record.js'
import { isLegalTransition, restocks, roleMayTransition } from './status-machine.js'
import { CUSTOMER_PROBLEMS } from '../customers/problems.js'
import { HTTP_PROBLEMS } from '../../lib/problems/http.js'
import { ORDER_PROBLEMS } from './problems.js'
import type { Precondition } from '../../lib/http/etag.js'

/**
 * A placed order as the route answers it. The presented body, not the rows: a replay sends the
 * response stored under the Idempotency-Key, byte for byte, and that response is written in the
 * order's own transaction, so the route hands in how it presents an order (`PresentOrder`).
 */
export interface CreatedOrder {
  /** true when the response was stored under the Idempotency-Key and is sent again. */
  replayed: boolean
  order: OrderBody
  /** Its row version (ETag); a stored response describes the order as created, version 1. */
  version: number
}

/** How the route shows an order to its caller (routes/orders/presenter.ts). */
export type PresentOrder = (order: OrderWithItems) => OrderBody

/** Every row starts at version 1 (migration 0002). */
const CREATED_VERSION = 1

/** What every order operation needs: the database, the shop currency and how lost races are retried. */
export interface OrdersContext {
  db: Db
  currency: string
  retry?: RetryOptions
}

const orderNotFound = (): AppError => new AppError(ORDER_PROBLEMS.ORDER_NOT_FOUND, 'No such order')

/** One field error per request line merged into `line`. */
const pointersTo = (line: MergedLine, field: string, detail: string): FieldErrorBody[] =>
  line.indexes.map((index) => ({ pointer: `/items/${index}/${field}`, in: 'body', detail }))

/**
 * Places an order with ONE statement (place-order.ts: customer key-shared, products locked
 * in id order, stock decremented, order, items and outbox events inserted; a refusal rolls
 * all of it back): without a key that is the only round trip, no BEGIN/COMMIT. With a key,
 * one transaction: the key lock and lookup, the statement, the stored response.
 */
export async function createOrder (
  ctx: OrdersContext, caller: Caller, input: CreateOrderInput, idempotencyKey: string | undefined, audit: AuditContext, present: PresentOrder
): Promise<CreatedOrder> {
  const lines = mergeLines(input.items)
  if (caller.role !== 'customer' && input.customer_id === undefined) {
    throw new AppError(HTTP_PROBLEMS.VALIDATION_FAILED, 'body/customer_id is required for staff and admin callers', {
      errors: [{ pointer: '/customer_id', in: 'body', detail: 'is required for staff and admin callers' }]
    })
  }
  const request: OrderRequest = {
    customer: caller.role === 'customer'
      ? { kind: 'own', userId: caller.id, requested: input.customer_id?.toLowerCase() ?? null }
      : { kind: 'named', customerId: input.customer_id ?? '' },
    currency: ctx.currency,
    lines,
    audit
  }
  const place = async (db: Db): Promise<CreatedOrder> => {
    const outcome = await placeOrder(db, request)
    if (isRefusal(outcome)) throw refusalError(caller, input.customer_id, lines, outcome)
    return { replayed: false, order: present(outcome), version: outcome.order.version }
  }
  if (idempotencyKey === undefined) return await withTransactionRetry(() => place(ctx.db), ctx.retry)

  const idempotency: IdempotencyContext = { userId: caller.id, key: idempotencyKey, requestHash: requestHash(input) }
  return await withTransactionRetry(() => ctx.db.transaction().execute(async (trx) => {
    const replay = await claimKey(trx, idempotency)
    if (replay !== null) return { replayed: true, order: storedOrder(replay.status, replay.body), version: CREATED_VERSION }
    const result = await place(trx)
    await rememberResponse(trx, idempotency, { status: 201, body: result.order })
    return result
  }), ctx.retry)
}

export async function getOrder (ctx: OrdersContext, caller: Caller, id: string): Promise<OrderWithItems> {
  const order = await findOrder(ctx.db, id, scopeOf(caller))
  if (order === undefined) throw orderNotFound()
  return { order, items: await findItemsOfOrders(ctx.db, [order.id]) }
}

/** One page in (created_at, id) order; a customer only ever sees its own orders. */
export async function listOrderPage (ctx: OrdersContext, caller: Caller, query: ListOrdersFilter): Promise<{ rows: OrderWithItems[], nextCursor: string | null }> {
  const limit = query.limit ?? 20
  const position = decodeCreatedAtCursor(query.cursor)
  const rows = await listOrders(ctx.db, scopeOf(caller), {
    ...(query.status !== undefined ? { status: query.status } : {}),
    ...(query.customer_id !== undefined ? { customerId: query.customer_id } : {}),
    ...(query.created_after !== undefined ? { createdAfter: new Date(query.created_after) } : {}),
    ...(query.created_before !== undefined ? { createdBefore: new Date(query.created_before) } : {}),
    ...(position !== null ? { after: position } : {})
  }, limit + 1)
  const { page, nextCursor } = paginate(rows, limit, (row) => row.created_at.toISOString())
  const items = await findItemsOfOrders(ctx.db, page.map((order) => order.id))
  return { rows: page.map((order) => ({ order, items: items.filter((item) => item.order_id === order.id) })), nextCursor }
}

/**
 * Moves an order along the status machine. The order row is locked first, so
 * of two concurrent transitions the second sees the first's result; a cancel
 * restocks in the same transaction, locking the products in id order.
 */
export async function transitionOrder (
  ctx: OrdersContext, caller: Caller, id: string, to: OrderStatus, precondition: Precondition, audit: AuditContext
): Promise<OrderWithItems> {
  return await withTransactionRetry(() => ctx.db.transaction().execute(async (trx) => {
    const order = await lockOrder(trx, id, scopeOf(caller))
    if (order === undefined) throw orderNotFound()
    precondition(order)
    if (caller.role === 'customer' && to !== 'cancelled') throw forbidden('Customers may only cancel their orders')
    if (!isLegalTransition(order.status, to)) {
      throw new AppError(ORDER_PROBLEMS.INVALID_TRANSITION, `An order cannot move from ${order.status} to ${to}`, {
        extensions: { current_status: order.status, requested_status: to }
      })
    }
    if (!roleMayTransition(caller.role, order.status, to)) throw forbidden(`Customers may only cancel pending orders; this order is ${order.status}`)
    if (restocks(to)) await restockOrder(trx, order.id)
    const updated = await updateOrderStatus(trx, order.id, to)
    await recordAudit(trx, audit, {
      action: 'order.status_changed', resource: { type: 'order', id: order.id }, before: { status: order.status }, after: { status: updated.status }
    })
    const changed = { order: updated, items: await findItemsOfOrders(trx, [order.id]) }
    await recordOrderStatusChanged(trx, changed, order.status)
    return changed
  }), ctx.retry)
}

/**
 * Why the order statement refused, as the API says it (nothing was written): no customer
 * profile / unknown customer -> 422 UNKNOWN_CUSTOMER; a customer naming another customer ->
 * 404; unknown or archived products -> 422 UNKNOWN_PRODUCT; short lines -> 409
 * INSUFFICIENT_STOCK listing every short product with requested and available.
 */
function refusalError (caller: Caller, requested: string | undefined, lines: readonly MergedLine[], refusal: OrderRefusal): Error {
  if (refusal.customerId === null) {
    return caller.role === 'customer'
      ? new AppError(ORDER_PROBLEMS.UNKNOWN_CUSTOMER, 'Your account has no customer profile to order for', {
        errors: [{ pointer: '/customer_id', in: 'body', detail: 'the caller has no customer profile' }]
      })
      : new AppError(ORDER_PROBLEMS.UNKNOWN_CUSTOMER, `Customer ${requested ?? ''} does not exist`, {
        errors: [{ pointer: '/customer_id', in: 'body', detail: 'does not reference an existing customer' }]
      })
  }
  if (requested !== undefined && requested.toLowerCase() !== refusal.customerId) return new AppError(CUSTOMER_PROBLEMS.CUSTOMER_NOT_FOUND, 'No such customer')
  return lineRefusal(lines, refusal.products) ?? new Error('the order statement refused an order that looks valid')
}

function lineRefusal (lines: readonly MergedLine[], products: readonly LockedProduct[]): AppError | null {
  const byId = new Map(products.map((product) => [product.id, product]))
  const unknown = lines.filter((line) => byId.get(line.productId)?.archived !== false)
  if (unknown.length > 0) {
    return new AppError(ORDER_PROBLEMS.UNKNOWN_PRODUCT, `Unknown or unavailable product: ${unknown.map((line) => line.productId).join(', ')}`, {
      errors: unknown.flatMap((line) => pointersTo(line, 'product_id', 'does not reference an available product'))
    })
  }
  const short: Array<{ product_id: string, requested: number, available: number }> = []
  const shortPointers: FieldErrorBody[] = []
  for (const line of lines) {
    const product = byId.get(line.productId)
    if (product === undefined) continue
    if (product.stock < line.quantity) {
      short.push({ product_id: product.id, requested: line.quantity, available: product.stock })
      shortPointers.push(...pointersTo(line, 'quantity', `only ${product.stock} in stock`))
    }
  }
  if (short.length > 0) {
    return new AppError(ORDER_PROBLEMS.INSUFFICIENT_STOCK, `Not enough stock for ${short.length} product(s)`, { extensions: { items: short }, errors: shortPointers })
  }
  return null
}

/** A response stored under an Idempotency-Key is one this service wrote; check it is still a created Order. */
function storedOrder (status: number, body: unknown): OrderBody {
  if (status !== 201 || !Value.Check(Order, body)) throw new Error('stored idempotent response is not a created Order')
  return body
}
