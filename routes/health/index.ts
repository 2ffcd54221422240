import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { documented } from '../../schemas/common.js'
import { Liveness, Readiness } from '../../schemas/health.js'
import * as service from './service.js'

/** Probes: never authenticated, never rate limited. */
const healthRoutes: FastifyPluginAsyncTypebox = async (fastify) => {
  fastify.get('/health/live', {
    config: { rateLimit: false },
    schema: {
      tags: ['operations'],
      operationId: 'getLiveness',
      summary: 'Liveness probe',
      description: 'Answers 200 while the process serves HTTP; checks no dependency (a restart would not fix one). Not rate limited.',
      response: { 200: documented(Liveness, { description: 'The process is alive' }) }
    }
  }, async () => ({ status: 'ok' as const }))

  fastify.get('/health/ready', {
    config: { rateLimit: false },
    schema: {
      tags: ['operations'],
      operationId: 'getReadiness',
      summary: 'Readiness probe: Postgres reachable, a configured Redis connected, not shutting down (a slow Redis is reported degraded)',
      description: 'Checks Postgres and Redis; answers 503 with Retry-After while Postgres is down, a configured Redis has no connection, or the replica is shutting down. A Redis that is connected but slow, or skipped by its circuit breaker, is reported degraded and the replica stays ready. Not rate limited.',
      response: {
        200: documented(Readiness, { description: 'Ready: send traffic' }),
        503: documented(Readiness, { description: 'Not ready: Postgres is unreachable, Redis has no connection, or the replica is shutting down; the body says which' })
      }
    }
  }, async (request, reply) => {
    const body = await service.readiness(fastify.dbHandle, fastify.store, fastify.redisGuard, fastify.lifecycle.shuttingDown, request.log)
    if (body.status === 'not_ready') reply.code(503).header('retry-after', '5')
    return body
  })
}

export default healthRoutes
