import type { Kysely } from 'kysely'
import { Value } from 'typebox/value'
import type { Database, OrderRow, OrderStatus, Role } from '../../db/database.js'
import { AppError, conflict, forbidden, notFound } from '../../plugins/app-error.js'
import type { FieldErrorBody } from '../../schemas/problem.js'
import { Order, type CreateOrderInput, type ListOrdersFilter, type OrderBody } from '../../schemas/orders.js'
import { decodeCursor, paginate } from '../pagination.js'
import { toOrderBody } from './dto.js'
import { claimKey, rememberResponse, requestHash, type IdempotencyContext } from './idempotency.js'
import { mergeLines, type MergedLine } from './lines.js'
import {
  decrementStock, findItemsOfOrders, findOrder, insertOrder, insertOrderItems,
  listOrders, lockCustomer, lockOrder, lockProducts, restockOrder, updateOrderStatus,
  type LockedProduct, type NewOrderLine, type OrderScope
} from './repository.js'
import { withTransactionRetry, type RetryOptions } from './retry.js'
import { recordOrderCreated, recordOrderStatusChanged } from '../webhooks/events.js'
import { isLegalTransition, restocks, roleMayTransition } from './status-machine.js'

type Db = Kysely<Database>

export interface Caller {
  id: string
  role: Role
}

export interface CreateOrderResult {
  /** true when the response was stored under the Idempotency-Key and is sent again. */
  replayed: boolean
  /** Only successful creations are stored, so a replay is a 201 too. */
  status: 201
  order: OrderBody
}

export interface OrderServiceOptions {
  db: Db
  currency: string
  retry?: RetryOptions
}

const scopeOf = (caller: Caller): OrderScope =>
  caller.role === 'customer' ? { kind: 'customer', userId: caller.id } : { kind: 'all' }

const orderNotFound = (): AppError => notFound('ORDER_NOT_FOUND', 'No such order')

/** One field error per request line merged into `line`. */
const pointersTo = (line: MergedLine, field: string, detail: string): FieldErrorBody[] =>
  line.indexes.map((index) => ({ pointer: `/items/${index}/${field}`, in: 'body', detail }))

/** Orders: the business rules, and the owner of every order transaction. */
export class OrderService {
  readonly #db: Db
  readonly #currency: string
  readonly #retry: RetryOptions

  constructor (options: OrderServiceOptions) {
    this.#db = options.db
    this.#currency = options.currency
    this.#retry = options.retry ?? {}
  }

  /**
   * Places an order in one transaction: (idempotency lock and lookup), customer
   * check, product rows locked in id order, stock checked and decremented, order
   * and items inserted with the prices of now, (response stored under the key).
   */
  async create (caller: Caller, input: CreateOrderInput, idempotencyKey: string | undefined): Promise<CreateOrderResult> {
    const lines = mergeLines(input.items)
    if (caller.role !== 'customer' && input.customer_id === undefined) {
      throw new AppError(400, 'VALIDATION_FAILED', 'body/customer_id is required for staff and admin callers', {
        errors: [{ pointer: '/customer_id', in: 'body', detail: 'is required for staff and admin callers' }]
      })
    }
    const idempotency: IdempotencyContext | null = idempotencyKey === undefined
      ? null
      : { userId: caller.id, key: idempotencyKey, requestHash: requestHash(input) }

    return await withTransactionRetry(() => this.#db.transaction().execute(async (trx) => {
      if (idempotency !== null) {
        const replay = await claimKey(trx, idempotency)
        if (replay !== null) return { replayed: true, status: 201, order: storedOrder(replay.status, replay.body) }
      }
      const customerId = await this.#resolveCustomer(trx, caller, input.customer_id)
      const products = await lockProducts(trx, lines.map((line) => line.productId))
      const orderLines = priceLines(lines, products)
      for (const line of orderLines) await decrementStock(trx, line.product_id, line.quantity)
      const total = orderLines.reduce((sum, line) => sum + line.subtotal_cents, 0)
      const order = await insertOrder(trx, { customer_id: customerId, currency: this.#currency, total_cents: total })
      const items = await insertOrderItems(trx, order.id, orderLines)
      await recordOrderCreated(trx, order, items, this.#currency)
      const body = toOrderBody(order, items, caller.role)
      if (idempotency !== null) await rememberResponse(trx, idempotency, { status: 201, body })
      return { replayed: false, status: 201, order: body }
    }), this.#retry)
  }

  async get (caller: Caller, id: string): Promise<OrderBody> {
    const order = await findOrder(this.#db, id, scopeOf(caller))
    if (order === undefined) throw orderNotFound()
    return toOrderBody(order, await findItemsOfOrders(this.#db, [order.id]), caller.role)
  }

  /** One page in (created_at, id) order; a customer only ever sees its own orders. */
  async list (caller: Caller, query: ListOrdersFilter): Promise<{ data: OrderBody[], nextCursor: string | null }> {
    const limit = query.limit ?? 20
    const rows = await listOrders(this.#db, scopeOf(caller), {
      ...(query.status !== undefined ? { status: query.status } : {}),
      ...(query.customer_id !== undefined ? { customerId: query.customer_id } : {}),
      ...(query.created_after !== undefined ? { createdAfter: new Date(query.created_after) } : {}),
      ...(query.created_before !== undefined ? { createdBefore: new Date(query.created_before) } : {}),
      ...keysetAfter(query.cursor)
    }, limit + 1)
    const { page, nextCursor } = paginate(rows, limit, (row) => row.created_at.toISOString())
    const items = await findItemsOfOrders(this.#db, page.map((order) => order.id))
    const data = page.map((order) => toOrderBody(order, items.filter((item) => item.order_id === order.id), caller.role))
    return { data, nextCursor }
  }

  /**
   * Moves an order along the status machine. The order row is locked first, so
   * of two concurrent transitions the second sees the first's result; a cancel
   * restocks in the same transaction, locking the products in id order.
   */
  async transition (caller: Caller, id: string, to: OrderStatus, checkPrecondition: (current: OrderRow) => void): Promise<OrderBody> {
    return await withTransactionRetry(() => this.#db.transaction().execute(async (trx) => {
      const order = await lockOrder(trx, id, scopeOf(caller))
      if (order === undefined) throw orderNotFound()
      checkPrecondition(order)
      if (caller.role === 'customer' && to !== 'cancelled') throw forbidden('Customers may only cancel their orders')
      if (!isLegalTransition(order.status, to)) {
        throw conflict('INVALID_TRANSITION', `An order cannot move from ${order.status} to ${to}`, {
          extensions: { current_status: order.status, requested_status: to }
        })
      }
      if (!roleMayTransition(caller.role, order.status, to)) throw forbidden(`Customers may only cancel pending orders; this order is ${order.status}`)
      if (restocks(to)) await restockOrder(trx, order.id)
      const updated = await updateOrderStatus(trx, order.id, to)
      const items = await findItemsOfOrders(trx, [order.id])
      await recordOrderStatusChanged(trx, updated, items, order.status)
      return toOrderBody(updated, items, caller.role)
    }), this.#retry)
  }

  /** The customer the order is for, key-share locked so it cannot vanish before the insert. */
  async #resolveCustomer (trx: Db, caller: Caller, requested: string | undefined): Promise<string> {
    if (caller.role === 'customer') {
      const own = await lockCustomer(trx, { userId: caller.id })
      if (own === undefined) {
        throw new AppError(422, 'UNKNOWN_CUSTOMER', 'Your account has no customer profile to order for', {
          errors: [{ pointer: '/customer_id', in: 'body', detail: 'the caller has no customer profile' }]
        })
      }
      if (requested !== undefined && requested.toLowerCase() !== own) throw notFound('CUSTOMER_NOT_FOUND', 'No such customer')
      return own
    }
    // create() has already rejected a staff/admin call without customer_id.
    const customerId = await lockCustomer(trx, { id: requested ?? '' })
    if (customerId === undefined) {
      throw new AppError(422, 'UNKNOWN_CUSTOMER', `Customer ${requested ?? ''} does not exist`, {
        errors: [{ pointer: '/customer_id', in: 'body', detail: 'does not reference an existing customer' }]
      })
    }
    return customerId
  }
}

/**
 * Prices the merged lines against the locked product rows. Unknown or archived
 * products -> 422 UNKNOWN_PRODUCT; any line short of stock -> 409
 * INSUFFICIENT_STOCK listing every short product. Nothing has been written yet.
 */
function priceLines (lines: readonly MergedLine[], products: readonly LockedProduct[]): NewOrderLine[] {
  const byId = new Map(products.map((product) => [product.id, product]))
  const unknown = lines.filter((line) => byId.get(line.productId)?.archived !== false)
  if (unknown.length > 0) {
    throw new AppError(422, 'UNKNOWN_PRODUCT', `Unknown or unavailable product: ${unknown.map((line) => line.productId).join(', ')}`, {
      errors: unknown.flatMap((line) => pointersTo(line, 'product_id', 'does not reference an available product'))
    })
  }
  const priced: NewOrderLine[] = []
  const short: Array<{ product_id: string, requested: number, available: number }> = []
  const shortPointers: FieldErrorBody[] = []
  for (const line of lines) {
    const product = byId.get(line.productId)
    if (product === undefined) continue
    if (product.stock < line.quantity) {
      short.push({ product_id: product.id, requested: line.quantity, available: product.stock })
      shortPointers.push(...pointersTo(line, 'quantity', `only ${product.stock} in stock`))
      continue
    }
    priced.push({
      product_id: product.id,
      sku: product.sku,
      name: product.name,
      quantity: line.quantity,
      unit_price_cents: product.price_cents,
      subtotal_cents: product.price_cents * line.quantity
    })
  }
  if (short.length > 0) {
    throw conflict('INSUFFICIENT_STOCK', `Not enough stock for ${short.length} product(s)`, { extensions: { items: short }, errors: shortPointers })
  }
  return priced
}

/** A keyset cursor from this route: the last row's created_at (ISO) and id. */
function keysetAfter (raw: string | undefined): { after?: { createdAt: Date, id: string } } {
  const cursor = decodeCursor(raw)
  if (cursor === null) return {}
  const createdAt = typeof cursor.v === 'string' ? new Date(cursor.v) : new Date(Number.NaN)
  if (Number.isNaN(createdAt.getTime())) {
    throw new AppError(400, 'INVALID_CURSOR', 'cursor is not a value this API returned', {
      errors: [{ pointer: '/cursor', in: 'query', detail: 'is not a valid cursor' }]
    })
  }
  return { after: { createdAt, id: cursor.id } }
}

/** A response stored under an Idempotency-Key is one this service wrote; check it is still a created Order. */
function storedOrder (status: number, body: unknown): OrderBody {
  if (status !== 201 || !Value.Check(Order, body)) throw new Error('stored idempotent response is not a created Order')
  return body
}
