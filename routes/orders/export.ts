import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { DatabaseHandle } from '../../db/connect.js'
import { readSnapshot } from '../../db/read-snapshot.js'
import { sendNdjson } from '../../lib/http/ndjson.js'
import { STAFF_ONLY } from '../../plugins/app/auth.js'
import { MAX_PAGE_SIZE } from '../../schemas/bounds.js'
import { ndjsonResponse } from '../../schemas/common.js'
import { ExportOrdersQuery, Order, type ExportOrdersFilter, type OrderBody } from '../../schemas/orders.js'
import { listOrderPage, type OrdersContext } from './service.js'
import { presentOrder } from './presenter.js'
import type { OrderWithItems } from './repository.js'
import type { Caller } from '../../lib/scope.js'

const EXAMPLE_LINES: OrderBody[] = [{
  id: '5b2e8c1d-3f4a-4b6c-8d9e-0a1b2c3d4e5f',
  customer_id: '7d9e2c1a-4b3f-4a6e-9d8c-1f2e3a4b5c6d',
  status: 'paid',
  currency: 'EUR',
  total_cents: 3998,
  items: [{ product_id: '0b8f5a3e-1c2d-4e5f-8a9b-0c1d2e3f4a5b', sku: 'TSHIRT-RED-M', name: 'Red T-shirt (M)', quantity: 2, unit_price_cents: 1999, subtotal_cents: 3998 }],
  allowed_transitions: ['shipped', 'cancelled'],
  created_at: '2026-11-24T10:00:00.000Z',
  updated_at: '2026-11-24T10:05:00.000Z'
}]

/**
 * The list's own pages, one after the other: the same filters, scope, order and representation
 * (items included) as GET /api/orders, in constant memory. An order spans two tables, so the
 * page query (orders, then the items of the page) is reused rather than a second row-cursor
 * query that would have to rebuild the representation; pages of the list's largest size keep
 * the per-page item matching small.
 */
async function * orderPages (ctx: OrdersContext, caller: Caller, filter: ExportOrdersFilter): AsyncGenerator<OrderWithItems, void, undefined> {
  let cursor: string | null = null
  do {
    const page: { rows: OrderWithItems[], nextCursor: string | null } = await listOrderPage(ctx, caller, { ...filter, limit: MAX_PAGE_SIZE, ...(cursor === null ? {} : { cursor }) })
    yield * page.rows
    cursor = page.nextCursor
  } while (cursor !== null)
}

/**
 * Postgres: every page from one REPEATABLE READ snapshot (db/read-snapshot.ts), so an export is
 * consistent however long it takes. PGlite (embedded dev mode, one connection): each page on
 * its own, so other requests are served between pages; the keyset never repeats an order.
 */
function exportOrders (ctx: OrdersContext, engine: DatabaseHandle['kind'], caller: Caller, filter: ExportOrdersFilter): AsyncIterable<OrderWithItems> {
  if (engine === 'postgres') return readSnapshot(ctx.db, (snapshot) => orderPages({ ...ctx, db: snapshot }, caller, filter))
  return orderPages(ctx, caller, filter)
}

/** GET /api/orders/export: every order as NDJSON, registered inside the orders plugin. */
const orderExportRoutes: FastifyPluginAsyncTypebox = async (fastify) => {
  const orders: OrdersContext = { db: fastify.db, currency: fastify.config.currency }
  fastify.get('/export', {
    config: { access: STAFF_ONLY, scopes: ['orders:read'] },
    schema: {
      tags: ['orders'],
      operationId: 'exportOrders',
      summary: 'Export orders as NDJSON (staff, admin)',
      description: 'Every order the list would show for these filters, oldest first (no paging), streamed as `application/x-ndjson`: ' +
        'one Order per line with its items, exactly as GET /api/orders/{id} shows it to the caller, from one consistent snapshot. ' +
        'Errors found before the first line (filters, access, the first read) are problem+json responses; a failure after the first line ' +
        'cuts the connection, so a body without its final newline or without the end of the chunked encoding is incomplete. ' +
        'Compressed when the client asks (Accept-Encoding).',
      querystring: ExportOrdersQuery,
      response: {
        200: ndjsonResponse(Order, { description: 'One Order per line (NDJSON), oldest first', lines: EXAMPLE_LINES })
      },
      security: [{ bearerAuth: [] }]
    }
  }, async (request, reply) => {
    return await sendNdjson(reply, exportOrders(orders, fastify.dbHandle.kind, request.user, request.query), (order) => JSON.stringify(presentOrder(order, request.user.role)))
  })
}

export default orderExportRoutes
