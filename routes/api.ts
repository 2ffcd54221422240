import type { FastifyPluginAsync } from 'fastify'
import { authenticateRoutes } from '../plugins/app/auth.js'
import adminRoutes from './admin/index.js'
import apiKeysRoutes from './api-keys/index.js'
import auditRoutes from './audit/index.js'
import customersRoutes from './customers/index.js'
import eventsRoutes from './events/index.js'
import ordersRoutes from './orders/index.js'
import productsRoutes from './products/index.js'
import webhooksRoutes from './webhooks/index.js'

/**
 * Everything under /api needs a valid access token (or an API key with a scope of the route), checked onRequest (before the body is
 * parsed) and after the rate limiter, so floods without a token count and cost no parsing.
 */
const apiRoutes: FastifyPluginAsync = async (fastify) => {
  authenticateRoutes(fastify)
  await fastify.register(productsRoutes, { prefix: '/products' })
  await fastify.register(customersRoutes, { prefix: '/customers' })
  await fastify.register(ordersRoutes, { prefix: '/orders' })
  await fastify.register(adminRoutes)
  await fastify.register(webhooksRoutes, { prefix: '/webhooks' })
  await fastify.register(auditRoutes, { prefix: '/audit-events' })
  await fastify.register(eventsRoutes, { prefix: '/events' })
  await fastify.register(apiKeysRoutes, { prefix: '/api-keys' })
}

export default apiRoutes
