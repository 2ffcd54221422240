import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { readPackageVersion } from '../../lib/version.js'
import { documented } from '../../schemas/common.js'
import { Help } from '../../schemas/health.js'

const helpRoutes: FastifyPluginAsyncTypebox = async (fastify) => {
  fastify.get('/help', {
    schema: {
      tags: ['operations'],
      operationId: 'getHelp',
      summary: 'What this service is and which routes it serves',
      description: 'A short introduction for a human or an agent: how to authenticate, where the OpenAPI document and the problem registry are, and every route with its summary.',
      response: { 200: documented(Help, { description: 'The introduction and the route list' }) }
    }
  }, async () => ({
    name: 'GoShop API',
    description: 'E-commerce backend: register/login for a JWT, then use /api/products, /api/customers and /api/orders (admins also /api/admin and /api/webhooks) with "Authorization: Bearer <access_token>". ' +
      'Errors are RFC 9457 problem+json; each error code is explained under /problems. `routes` lists every operation of the OpenAPI document (HEAD is served wherever GET is); the documentation itself is under `docs`, and Prometheus metrics at /metrics (on the metrics port in production).',
    version: readPackageVersion(),
    docs: { swagger_ui: '/swagger', openapi_json: '/swagger/json', openapi_yaml: '/swagger/yaml' },
    routes: [...fastify.routeTable].sort((a, b) => a.url.localeCompare(b.url) || a.method.localeCompare(b.method))
  }))
}

export default helpRoutes
