import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Liveness, Readiness } from '../../schemas/health.js'
import { checkPostgres, checkRedis } from './checks.js'

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
      summary: 'Readiness probe: Postgres and Redis reachable, not shutting down',
      response: { 200: Readiness, 503: Readiness }
    }
  }, async (_request, reply) => {
    const [postgres, redis] = await Promise.all([checkPostgres(fastify.db), checkRedis(fastify.store)])
    const shuttingDown = fastify.lifecycle.shuttingDown
    const ready = !shuttingDown && postgres.status !== 'down' && redis.status !== 'down'
    reply.code(ready ? 200 : 503)
    if (!ready) reply.header('retry-after', '5')
    return {
      status: ready ? 'ready' as const : 'not_ready' as const,
      ...(shuttingDown ? { shutting_down: true } : {}),
      checks: { postgres, redis }
    }
  })
}

export default healthRoutes
