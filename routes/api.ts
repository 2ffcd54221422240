import type { FastifyPluginAsync } from 'fastify'
import adminRoutes from './admin/index.js'
import customersRoutes from './customers/index.js'
import ordersRoutes from './orders/index.js'
import productsRoutes from './products/index.js'

/**
 * Everything under /api needs a valid access token. Authentication runs in
 * preValidation, after the rate limiter (onRequest), so floods without a token count.
 */
const apiRoutes: FastifyPluginAsync = async (fastify) => {
  fastify.addHook('preValidation', fastify.authenticate)
  await fastify.register(productsRoutes, { prefix: '/products' })
  await fastify.register(customersRoutes, { prefix: '/customers' })
  await fastify.register(ordersRoutes, { prefix: '/orders' })
  await fastify.register(adminRoutes)
}

export default apiRoutes
