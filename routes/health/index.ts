import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Liveness, Readiness } from '../../schemas/health.js'
import * as service from './service.js'

/** Probes: never authenticated, never rate limited. */
const healthRoutes: FastifyPluginAsyncTypebox = async (fastify) => {
  fastify.get('/health/live', {
    config: { rateLimit: false },
    schema: { tags: ['operations'], operationId: 'getLiveness', summary: 'Liveness probe', response: { 200: Liveness } }
  }, async () => ({ status: 'ok' as const }))

  fastify.get('/health/ready', {
    config: { rateLimit: false },
    schema: {
      tags: ['operations'],
      operationId: 'getReadiness',
      summary: 'Readiness probe: Postgres reachable, a configured Redis connected, not shutting down (a slow Redis is reported degraded)',
      response: { 200: Readiness, 503: Readiness }
    }
  }, async (request, reply) => {
    const body = await service.readiness(fastify.db, fastify.store, fastify.redisGuard, fastify.lifecycle.shuttingDown, request.log)
    if (body.status === 'not_ready') reply.code(503).header('retry-after', '5')
    return body
  })
}

export default healthRoutes
