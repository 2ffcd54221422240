import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { documented, IdParams, PreconditionHeaders, IfNoneMatchHeaders, NotModified, problemResponses, ResponseHeaders } from '../../schemas/common.js'
import {
  CreateOrderBody, CreateOrderHeaders, ListOrdersQuery, Order, OrderPage, TransitionBody
} from '../../schemas/orders.js'
import { preconditions, notModified, sendNotModified, setEtag } from '../../lib/http/etag.js'
import { setNextLink } from '../../lib/http/pagination.js'
import { orderMetrics } from './metrics.js'
import { orderView, presentOrder } from './presenter.js'
import * as service from './service.js'
import { auditContext } from '../audit/context.js'
import { CUSTOMER_PROBLEMS } from '../customers/problems.js'
import { TRANSACTION_PROBLEMS } from '../../db/transaction-retry.js'
import { IDEMPOTENCY_PROBLEMS } from '../../lib/idempotency/problems.js'
import { HTTP_PROBLEMS } from '../../lib/problems/http.js'
import { ORDER_PROBLEMS } from './problems.js'
import orderExportRoutes from './export.js'

const security = [{ bearerAuth: [] }]
const tags = ['orders']

const OrderResponse = documented(Order, { description: 'The order', headers: { etag: ResponseHeaders.etag } })
const CreatedOrderResponse = documented(Order, {
  description: 'The created order (or, with `Idempotent-Replayed: true`, the one created by an earlier request with the same key)',
  headers: { etag: ResponseHeaders.etag, location: ResponseHeaders.location('orders'), 'idempotent-replayed': ResponseHeaders.idempotentReplayed }
})
const OrderPageResponse = documented(OrderPage, { description: 'One page of orders', headers: { link: ResponseHeaders.link('orders') } })

/** /api/orders: authentication comes from routes/api.ts; ownership rules live in the service. */
const ordersRoutes: FastifyPluginAsyncTypebox = async (fastify) => {
  const orders: service.OrdersContext = {
    db: fastify.db,
    currency: fastify.config.currency,
    retry: { onRetry: (error, attempt) => { fastify.log.warn({ err: error, attempt }, 'order transaction lost a race; retrying') } }
  }
  const metrics = orderMetrics(fastify.metricsRegistry)

  fastify.post('/', {
    config: { scopes: ['orders:write'] },
    schema: {
      tags,
      operationId: 'createOrder',
      summary: 'Place an order',
      description: 'Reserves stock and creates a pending order in one transaction; prices, names and SKUs are captured now and totals computed by the server. ' +
        'Duplicate product lines are merged. A customer orders for itself (customer_id optional; another customer -> 404); staff and admin must name the customer. ' +
        'Not enough stock -> 409 INSUFFICIENT_STOCK with `items: [{product_id, requested, available}]` and nothing written. ' +
        'With an Idempotency-Key, a retry with the same body within 24 h replays the first response (`Idempotent-Replayed: true`); ' +
        'another body -> 422 IDEMPOTENCY_KEY_REUSED; while the first is still running -> 409 IDEMPOTENCY_KEY_IN_USE.',
      headers: CreateOrderHeaders,
      body: CreateOrderBody,
      response: { 201: CreatedOrderResponse, ...problemResponses(CUSTOMER_PROBLEMS.CUSTOMER_NOT_FOUND, ORDER_PROBLEMS.INSUFFICIENT_STOCK, IDEMPOTENCY_PROBLEMS.IDEMPOTENCY_KEY_IN_USE, ORDER_PROBLEMS.UNKNOWN_CUSTOMER, ORDER_PROBLEMS.UNKNOWN_PRODUCT, IDEMPOTENCY_PROBLEMS.IDEMPOTENCY_KEY_REUSED, TRANSACTION_PROBLEMS.TRANSACTION_CONFLICT) },
      security
    }
  }, async (request, reply) => {
    const role = request.user.role
    const result = await service.createOrder(orders, request.user, request.body, request.headers['idempotency-key'], auditContext(request), (order) => presentOrder(order, role))
    if (result.replayed) {
      reply.header('idempotent-replayed', 'true')
    } else {
      metrics.created.inc()
      metrics.revenueCents.inc(result.order.total_cents)
    }
    reply.header('location', `${fastify.prefix}/${result.order.id}`)
    setEtag(reply, result, orderView(role))
    return reply.code(201).send(result.order)
  })

  fastify.get('/', {
    config: { scopes: ['orders:read'] },
    schema: {
      tags,
      operationId: 'listOrders',
      summary: 'List orders',
      description: 'Cursor-paginated, oldest first (keyset on created_at, id). Staff and admin see every order; a customer only its own ' +
        '(filtering by another customer_id gives an empty page). created_after/created_before are exclusive bounds.',
      querystring: ListOrdersQuery,
      response: { 200: OrderPageResponse },
      security
    }
  }, async (request, reply) => {
    const { rows, nextCursor } = await service.listOrderPage(orders, request.user, request.query)
    setNextLink(request, reply, nextCursor)
    return { data: rows.map((order) => presentOrder(order, request.user.role)), next_cursor: nextCursor }
  })

  await fastify.register(orderExportRoutes)

  fastify.get('/:id', {
    config: { scopes: ['orders:read'] },
    schema: {
      tags,
      operationId: 'getOrder',
      summary: 'Get an order',
      description: 'Returns the order with its items and the transitions the caller may make. Someone else\'s order -> 404. Sends an ETag; honours If-None-Match (304 without a body while unchanged).',
      params: IdParams,
      headers: IfNoneMatchHeaders,
      response: { 200: OrderResponse, 304: NotModified, ...problemResponses(ORDER_PROBLEMS.ORDER_NOT_FOUND) },
      security
    }
  }, async (request, reply) => {
    const found = await service.getOrder(orders, request.user, request.params.id)
    if (notModified(request, reply, found.order, orderView(request.user.role))) return await sendNotModified(reply)
    return presentOrder(found, request.user.role)
  })

  fastify.post('/:id/transitions', {
    config: { scopes: ['orders:write'] },
    schema: {
      tags,
      operationId: 'transitionOrder',
      summary: 'Change an order\'s status',
      description: 'pending -> paid -> shipped -> delivered; pending|paid -> cancelled (restocks every item). Staff and admin may make any legal move; ' +
        'a customer may only cancel its own pending order (other moves -> 403). An illegal move -> 409 INVALID_TRANSITION. Honours If-Match (412 when stale).',
      params: IdParams,
      headers: PreconditionHeaders,
      body: TransitionBody,
      response: { 200: OrderResponse, ...problemResponses(HTTP_PROBLEMS.FORBIDDEN, ORDER_PROBLEMS.ORDER_NOT_FOUND, ORDER_PROBLEMS.INVALID_TRANSITION, TRANSACTION_PROBLEMS.TRANSACTION_CONFLICT) },
      security
    }
  }, async (request, reply) => {
    const changed = await service.transitionOrder(orders, request.user, request.params.id, request.body.status, preconditions(request), auditContext(request))
    setEtag(reply, changed.order, orderView(request.user.role))
    return presentOrder(changed, request.user.role)
  })
}

export default ordersRoutes
