import { sql, type RawBuilder } from 'kysely'
import type { Db, OrderItemRow, OrderRow } from '../../db/database.js'
import { errorCode, RAISE_EXCEPTION } from '../../db/errors.js'
import { nameStatement } from '../../db/named-statements.js'
import { rowSource } from '../../db/row-source.js'
import type { PresentedProductColumns } from '../products/presenter.js'
import { createdAuditCte, type AuditContext } from '../audit/record.js'
import { outboxCtes, type OutboxEvent } from '../webhooks/events.js'
import { orderCreatedEvents } from './events.js'
import type { OrderWithItems } from './repository.js'

/** Who the order is for: the caller's own profile (customers) or a named one (staff, admin). */
export type OrderCustomer = { kind: 'own', userId: string, requested: string | null } | { kind: 'named', customerId: string }

export interface OrderRequest {
  customer: OrderCustomer
  currency: string
  /** Merged lines in product id order (ids lower-case). */
  lines: ReadonlyArray<{ productId: string, quantity: number }>
  /** Who asks: the order's audit row is written by the same statement. */
  audit: AuditContext
}

/** A requested product as the refusing statement saw it, locked. */
export interface LockedProduct {
  id: string
  sku: string
  name: string
  price_cents: number
  stock: number
  archived: boolean
}

/** Why the statement refused: what it saw, with the rows locked (nothing was written). */
export interface OrderRefusal {
  /** The customer found for the request, null when none. */
  customerId: string | null
  /** The requested products that exist (archived ones included). */
  products: LockedProduct[]
}

const REFUSED = 'order_refused'
/** What the audit row of a new order records (its items are in the order itself). */
const AUDITED_ORDER_COLUMNS = ['customer_id', 'status', 'currency', 'total_cents'] as const
/** The CTEs the statement's events read: the order and its items as inserted, the products as decremented. */
const newOrder = rowSource<OrderRow>('new_order')
const newItems = rowSource<OrderItemRow>('items')
const taken = rowSource<PresentedProductColumns>('taken')

/** The order.created and product.out_of_stock bodies, compiled to text once (see createdEvents). */
let compiledEvents: RawBuilder<OutboxEvent> | null = null

/**
 * The statement's events are parameter-free (the currency comes from the new order's row): the
 * presenters' SQL, a few hundred fragments, is built and compiled once and embedded as text
 * instead of on every order (built per order it cost about a third more server CPU per order:
 * BENCHMARKS.md, "Issue 25 and 26, 2026-12-03 late"). The statement text stays one text, so it
 * stays a named statement. Guarded by test/routes/webhooks/payloads.test.ts (every payload
 * equals the GET representation) and the throw below (a parameter would be lost).
 */
function createdEvents (db: Db): RawBuilder<OutboxEvent> {
  if (compiledEvents === null) {
    const compiled = orderCreatedEvents({ order: newOrder, items: newItems, products: taken }).compile(db)
    if (compiled.parameters.length > 0) throw new Error('the order events must be parameter-free to be compiled once')
    compiledEvents = sql.raw<OutboxEvent>(compiled.sql)
  }
  return compiledEvents
}

interface PlacedRow {
  id: string
  customer_id: string
  status: OrderRow['status']
  currency: string
  total_cents: number
  created_at: Date
  updated_at: Date
  version: number
  item_id: string
  product_id: string
  sku: string
  name: string
  quantity: number
  unit_price_cents: number
  subtotal_cents: number
}

/**
 * An order in ONE statement (one round trip, no BEGIN/COMMIT of its own):
 * - the customer, found by id or by owning user, taken FOR KEY SHARE;
 * - the products locked FOR UPDATE in id order (the order every multi-product writer uses,
 *   so two orders for {A, B} and {B, A} queue instead of deadlocking);
 * - each line's stock decremented only when the locked row has `stock >= quantity`;
 * - the order and its items inserted with the prices, names and SKUs of now;
 * - its outbox events (order.created, product.out_of_stock for products it emptied) and their
 *   deliveries (routes/orders/events.ts, the bodies from the orders' and products' presenters).
 * When any part fails (no such customer, another customer's id, an unknown/archived product,
 * a short line), refuse_statement() raises: the whole statement rolls back, and its detail
 * lists what was seen so the service can answer 404/422/409 exactly as before.
 * Without an Idempotency-Key this is the whole request's database work: atomic on its own.
 * Inside a transaction (idempotent requests) it is one statement of that transaction.
 */
export async function placeOrder (db: Db, request: OrderRequest): Promise<OrderWithItems | OrderRefusal> {
  const ids = request.lines.map((line) => line.productId)
  const quantities = request.lines.map((line) => line.quantity)
  const byId = request.customer.kind === 'named' ? request.customer.customerId : null
  const byUser = request.customer.kind === 'own' ? request.customer.userId : null
  const requested = request.customer.kind === 'own' ? request.customer.requested : null
  const query = sql<PlacedRow>`
    WITH input AS (
      SELECT product_id, quantity FROM unnest(${ids}::uuid[], ${quantities}::int[]) AS line (product_id, quantity)
    ),
    customer AS (
      SELECT id FROM customers WHERE id = ${byId}::uuid OR user_id = ${byUser}::uuid FOR KEY SHARE
    ),
    locked AS (
      SELECT id, sku, name, price_cents, stock, archived_at FROM products WHERE id = ANY (${ids}::uuid[]) ORDER BY id FOR UPDATE
    ),
    ${taken.table} AS (
      UPDATE products AS p SET stock = p.stock - i.quantity, updated_at = greatest(now(), p.updated_at)
      FROM locked AS l JOIN input AS i ON i.product_id = l.id
      -- Test the stock as locked (l), never p's: p is read from the statement's snapshot, which
      -- misses a restock that committed while this statement waited for the lock.
      WHERE p.id = l.id AND l.archived_at IS NULL AND l.stock >= i.quantity
      RETURNING p.id AS product_id, p.id, p.sku, p.name, p.description, p.price_cents, i.quantity, p.stock, p.created_at, p.updated_at
    ),
    verdict AS (
      SELECT CASE
        WHEN (SELECT count(*) FROM ${taken.table}) = cardinality(${ids}::uuid[])
          AND EXISTS (SELECT 1 FROM customer WHERE ${requested}::uuid IS NULL OR id = ${requested}::uuid)
        THEN true
        ELSE refuse_statement(${REFUSED}, jsonb_build_object(
          'customer_id', (SELECT id FROM customer LIMIT 1),
          'products', (SELECT coalesce(jsonb_agg(jsonb_build_object(
            'id', id, 'sku', sku, 'name', name, 'price_cents', price_cents, 'stock', stock, 'archived', archived_at IS NOT NULL
          )), '[]'::jsonb) FROM locked)
        ))
      END AS ok
    ),
    ${newOrder.table} AS (
      INSERT INTO orders (customer_id, currency, total_cents, created_at, updated_at)
      SELECT c.id, ${request.currency}, (SELECT sum(price_cents * quantity) FROM ${taken.table}),
        date_trunc('milliseconds', now()), date_trunc('milliseconds', now())
      -- verdict is the preserved side, so it is always evaluated (refusing) even with no customer row.
      FROM verdict AS v LEFT JOIN customer AS c ON true
      WHERE v.ok
      RETURNING id, customer_id, status, currency, total_cents, created_at, updated_at, version
    ),
    ${newItems.table} AS (
      INSERT INTO order_items (order_id, product_id, sku, name, quantity, unit_price_cents, subtotal_cents)
      SELECT o.id, t.product_id, t.sku, t.name, t.quantity, t.price_cents, t.price_cents * t.quantity
      FROM ${newOrder.table} AS o CROSS JOIN ${taken.table} AS t
      RETURNING id, order_id, product_id, sku, name, quantity, unit_price_cents, subtotal_cents
    ),
    ${outboxCtes(createdEvents(db))},
    ${createdAuditCte(request.audit, 'order.created', 'order', newOrder, AUDITED_ORDER_COLUMNS)}
    SELECT o.id, o.customer_id, o.status, o.currency, o.total_cents, o.created_at, o.updated_at, o.version,
      i.id AS item_id, i.product_id, i.sku, i.name, i.quantity, i.unit_price_cents, i.subtotal_cents
    FROM ${newOrder.table} AS o CROSS JOIN ${newItems.table} AS i
    ORDER BY i.product_id`
  try {
    // One SQL text whatever the number of lines (arrays are parameters): planned once per connection.
    const { rows } = await db.executeQuery(nameStatement('place_order', query.compile(db)))
    const first = rows[0]
    // Unreachable: a statement that inserts no order has refused (and rolled back) above.
    if (first === undefined) throw new Error('placing an order returned no rows')
    const order: OrderRow = {
      id: first.id,
      customer_id: first.customer_id,
      status: first.status,
      currency: first.currency,
      total_cents: first.total_cents,
      created_at: first.created_at,
      updated_at: first.updated_at,
      version: first.version
    }
    const items = rows.map((row): OrderItemRow => ({
      id: row.item_id,
      order_id: row.id,
      product_id: row.product_id,
      sku: row.sku,
      name: row.name,
      quantity: row.quantity,
      unit_price_cents: row.unit_price_cents,
      subtotal_cents: row.subtotal_cents
    }))
    return { order, items }
  } catch (error) {
    const refusal = refusalOf(error)
    if (refusal === null) throw error
    return refusal
  }
}

export const isRefusal = (outcome: OrderWithItems | OrderRefusal): outcome is OrderRefusal => 'products' in outcome

interface RefusalDetail {
  customer_id: string | null
  products: LockedProduct[]
}

function isRefusalDetail (value: unknown): value is RefusalDetail {
  return typeof value === 'object' && value !== null && 'customer_id' in value && 'products' in value && Array.isArray(value.products)
}

function refusalOf (error: unknown): OrderRefusal | null {
  if (errorCode(error) !== RAISE_EXCEPTION || !(error instanceof Error) || error.message !== REFUSED) return null
  const detail: unknown = 'detail' in error && typeof error.detail === 'string' ? JSON.parse(error.detail) : null
  if (!isRefusalDetail(detail)) return null
  return { customerId: detail.customer_id, products: detail.products }
}
