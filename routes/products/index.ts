import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { IdempotencyHeaders, IdParams, PreconditionHeaders, IfNoneMatchHeaders, NoContent, NotModified, problemResponses, ResponseHeaders, documented } from '../../schemas/common.js'
import {
  BatchUpsertBody, BatchUpsertResponse, CreatedProductResponse, ListProductsQuery, ProductPageResponse,
  ProductResponse, UpdateProductBody, WriteProductRequest
} from '../../schemas/products.js'
import { preconditions, notModified, sendNotModified, setEtag } from '../../lib/http/etag.js'
import { setNextLink } from '../../lib/http/pagination.js'
import { presentListedProduct, presentProduct } from './presenter.js'
import { productMetrics } from './metrics.js'
import * as service from './service.js'
import { upsertBatch, type BatchContext } from './batch.js'
import { problemBody } from '../../lib/problem.js'
import { STAFF_ONLY } from '../../plugins/app/auth.js'
import { auditContext } from '../audit/context.js'
import { TRANSACTION_PROBLEMS } from '../../db/transaction-retry.js'
import { IDEMPOTENCY_PROBLEMS } from '../../lib/idempotency/problems.js'
import { PRODUCT_PROBLEMS } from './problems.js'
import productExportRoutes from './export.js'
import { coalescedProductReader } from './coalesced-reads.js'

const tags = ['products']
/** A full batch of 1000 products with long descriptions is more than the 1 MiB of other bodies. */
export const BATCH_BODY_LIMIT_BYTES = 8 * 1024 * 1024
const security = [{ bearerAuth: [] }]

/** The catalog: every role reads, staff and admin write. */
const productsRoutes: FastifyPluginAsyncTypebox = async (fastify) => {
  const currency = fastify.config.currency
  const metrics = productMetrics(fastify.metricsRegistry)
  const location = (id: string): string => `${fastify.prefix}/${id}`
  const products: service.ProductsContext = { db: fastify.db, currency }
  const readProduct = coalescedProductReader(fastify.db)

  fastify.get('/', {
    config: { scopes: ['products:read'] },
    schema: {
      tags,
      operationId: 'listProducts',
      summary: 'List products',
      description: 'Keyset-paginated catalog with search, price/stock filters and a sort order. Archived products are not listed.',
      querystring: ListProductsQuery,
      response: { 200: ProductPageResponse },
      security
    }
  }, async (request, reply) => {
    const { rows, nextCursor } = await service.listProductPage(fastify.db, request.query)
    setNextLink(request, reply, nextCursor)
    return { data: rows.map((row) => presentListedProduct(row, currency)), next_cursor: nextCursor }
  })

  await fastify.register(productExportRoutes)

  fastify.get('/:id', {
    config: { scopes: ['products:read'] },
    schema: {
      tags,
      operationId: 'getProduct',
      summary: 'Get a product',
      description: 'Sends an ETag; honours If-None-Match (304 without a body while the product is unchanged).',
      params: IdParams,
      headers: IfNoneMatchHeaders,
      response: { 200: ProductResponse, 304: NotModified, ...problemResponses(PRODUCT_PROBLEMS.PRODUCT_NOT_FOUND) },
      security
    }
  }, async (request, reply) => {
    const row = await service.getProduct(readProduct, request.params.id)
    if (notModified(request, reply, row)) return await sendNotModified(reply)
    return presentProduct(row, currency)
  })

  fastify.post('/', {
    config: { access: STAFF_ONLY, scopes: ['products:write'] },
    schema: {
      tags,
      operationId: 'createProduct',
      summary: 'Create a product (staff, admin)',
      description: 'Adds a product to the catalog; the sku must be unused (409 SKU_TAKEN). Answers with its ETag and Location.',
      body: WriteProductRequest,
      response: { 201: CreatedProductResponse, ...problemResponses(PRODUCT_PROBLEMS.SKU_TAKEN) },
      security
    }
  }, async (request, reply) => {
    const row = await service.createProduct(fastify.db, request.body, auditContext(request))
    metrics.created.inc()
    setEtag(reply, row)
    reply.code(201).header('location', location(row.id))
    return presentProduct(row, currency)
  })

  fastify.post('/batch', {
    bodyLimit: BATCH_BODY_LIMIT_BYTES,
    config: { access: STAFF_ONLY, scopes: ['products:write'] },
    schema: {
      tags,
      operationId: 'upsertProductBatch',
      summary: 'Create or replace up to 1000 products by sku (staff, admin)',
      description: 'Each item is a WriteProductRequest matched by sku: a new sku is created (201), a known one replaced (200), in one transaction. ' +
        'Results come in input order. per_item: bad items get their problem (400 VALIDATION_FAILED, 409 SKU_TAKEN for an archived product\'s sku), the rest is written; ' +
        'all_or_nothing: any bad item and nothing is written, 409 BATCH_REJECTED with every result (424 BATCH_ABORTED for the good ones). ' +
        'Stock taken to 0 emits product.out_of_stock as PUT does. With an Idempotency-Key, a retry with the same body within 24 h replays the first response. ' +
        'Bodies up to 8 MiB.',
      headers: IdempotencyHeaders,
      body: BatchUpsertBody,
      response: {
        200: documented(BatchUpsertResponse, { description: 'Every item\'s outcome, in input order', headers: { 'idempotent-replayed': ResponseHeaders.idempotentReplayed } }),
        ...problemResponses(PRODUCT_PROBLEMS.BATCH_REJECTED, IDEMPOTENCY_PROBLEMS.IDEMPOTENCY_KEY_IN_USE, IDEMPOTENCY_PROBLEMS.IDEMPOTENCY_KEY_REUSED, TRANSACTION_PROBLEMS.TRANSACTION_CONFLICT)
      },
      security
    }
  }, async (request, reply) => {
    const batch: BatchContext = {
      db: fastify.db,
      currency,
      audit: auditContext(request),
      retry: { onRetry: (error, attempt) => { request.log.warn({ err: error, attempt }, 'product batch lost a race; retrying') } },
      problemOf: (input) => problemBody(request, input)
    }
    const outcome = await upsertBatch(batch, request.user.id, request.body, request.headers['idempotency-key'])
    if (outcome.replayed) reply.header('idempotent-replayed', 'true')
    metrics.created.inc(outcome.created)
    return outcome.body
  })

  fastify.put('/:id', {
    config: { access: STAFF_ONLY, scopes: ['products:write'] },
    schema: {
      tags,
      operationId: 'replaceProduct',
      summary: 'Replace a product (staff, admin)',
      description: 'Full replace; honours If-Match.',
      params: IdParams,
      headers: PreconditionHeaders,
      body: WriteProductRequest,
      response: { 200: ProductResponse, ...problemResponses(PRODUCT_PROBLEMS.PRODUCT_NOT_FOUND, PRODUCT_PROBLEMS.SKU_TAKEN) },
      security
    }
  }, async (request, reply) => {
    const row = await service.changeProduct(products, request.params.id, service.replacementOf(request.body), preconditions(request), auditContext(request))
    setEtag(reply, row)
    return presentProduct(row, currency)
  })

  fastify.patch('/:id', {
    config: { access: STAFF_ONLY, scopes: ['products:write'] },
    schema: {
      tags,
      operationId: 'updateProduct',
      summary: 'Update some fields of a product (staff, admin)',
      description: 'Partial update (at least one field); honours If-Match.',
      params: IdParams,
      headers: PreconditionHeaders,
      body: UpdateProductBody,
      response: { 200: ProductResponse, ...problemResponses(PRODUCT_PROBLEMS.PRODUCT_NOT_FOUND, PRODUCT_PROBLEMS.SKU_TAKEN) },
      security
    }
  }, async (request, reply) => {
    const row = await service.changeProduct(products, request.params.id, request.body, preconditions(request), auditContext(request))
    setEtag(reply, row)
    return presentProduct(row, currency)
  })

  fastify.delete('/:id', {
    config: { access: STAFF_ONLY, scopes: ['products:write'] },
    schema: {
      tags,
      operationId: 'deleteProduct',
      summary: 'Delete a product (staff, admin)',
      description: 'Deletes the product; one that appears in orders is archived instead (hidden from the catalog, kept for order history). Honours If-Match.',
      params: IdParams,
      headers: PreconditionHeaders,
      response: { 204: NoContent, ...problemResponses(PRODUCT_PROBLEMS.PRODUCT_NOT_FOUND) },
      security
    }
  }, async (request, reply) => {
    const outcome = await service.removeProduct(fastify.db, request.params.id, preconditions(request), auditContext(request))
    request.log.info({ productId: request.params.id, outcome }, 'product removed')
    return reply.code(204).send(null)
  })
}

export default productsRoutes
