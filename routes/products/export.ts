import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { ndjsonResponse } from '../../schemas/common.js'
import { ExportProductsQuery, Product, type ProductBody } from '../../schemas/products.js'
import { sendNdjson } from '../../lib/http/ndjson.js'
import { STAFF_ONLY } from '../../plugins/app/auth.js'
import { presentListedProduct } from './presenter.js'
import { exportProducts } from './service.js'

const EXAMPLE_LINES: ProductBody[] = [
  { id: '3f1c9b2e-6a4d-4e8b-9c1a-2b7d5e8f0a13', sku: 'TSHIRT-RED-M', name: 'Red T-shirt (M)', description: '100% organic cotton, regular fit.', price_cents: 1999, currency: 'EUR', stock: 42, created_at: '2026-11-24T10:00:00.000Z', updated_at: '2026-11-24T10:00:00.000Z' },
  { id: '8a2d4c6e-1b3f-4d5a-9e7c-0f1a2b3c4d5e', sku: 'TSHIRT-RED-L', name: 'Red T-shirt (L)', description: '100% organic cotton, regular fit.', price_cents: 1999, currency: 'EUR', stock: 0, created_at: '2026-11-24T10:00:01.000Z', updated_at: '2026-11-25T08:30:00.000Z' }
]

/** GET /api/products/export: the catalog as NDJSON, registered inside the products plugin. */
const productExportRoutes: FastifyPluginAsyncTypebox = async (fastify) => {
  const currency = fastify.config.currency
  fastify.get('/export', {
    config: { access: STAFF_ONLY, scopes: ['products:read'] },
    schema: {
      tags: ['products'],
      operationId: 'exportProducts',
      summary: 'Export products as NDJSON (staff, admin)',
      description: 'Every product the list would show for these filters, in the same sort order (no paging), streamed as ' +
        '`application/x-ndjson`: one Product per line, exactly as GET /api/products/{id} shows it, read through a database cursor ' +
        'from one consistent snapshot. Errors found before the first line (filters, access, the first read) are problem+json responses; ' +
        'a failure after the first line cuts the connection, so a body without its final newline or without the end of the chunked ' +
        'encoding is incomplete. Compressed when the client asks (Accept-Encoding).',
      querystring: ExportProductsQuery,
      response: {
        200: ndjsonResponse(Product, { description: 'One Product per line (NDJSON), in the requested sort order', lines: EXAMPLE_LINES })
      },
      security: [{ bearerAuth: [] }]
    }
  }, async (request, reply) => {
    const rows = exportProducts(fastify.db, fastify.dbHandle.kind, request.query)
    return await sendNdjson(reply, rows, (row) => JSON.stringify(presentListedProduct(row, currency)))
  })
}

export default productExportRoutes
