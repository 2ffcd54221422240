import fastifyRateLimit from '@fastify/rate-limit'
import fp from 'fastify-plugin'
import { AppError } from '../../lib/app-error.js'
import { HTTP_PROBLEMS } from '../../lib/problems/http.js'
import { batchedRedisStore } from '../../lib/rate-limit/batched-redis-store.js'
import { ApiKeyBuckets } from '../../lib/rate-limit/api-key-buckets.js'
import { failoverStore } from '../../lib/rate-limit/failover-store.js'
import { localStore } from '../../lib/rate-limit/local-store.js'

/**
 * Per-client request budget (RATE_LIMIT_MAX per RATE_LIMIT_WINDOW; a client is an address, or an API
 * key: lib/rate-limit/api-key-buckets.ts): shared through Redis when configured (under
 * REDIS_KEY_PREFIX, so replicas with the same prefix share it), in-process otherwise. It runs onRequest, before authentication and the role check (onRequest too, appended
 * after it by authenticateRoutes), so floods without a valid token or role count too. Routes opt
 * out with `config: { rateLimit: false }` (health, metrics).
 * Redis trouble never turns into 500s nor waits: past REDIS_COMMAND_TIMEOUT_MS, on an error, or
 * while the Redis breaker is open, the request is counted by this replica's in-process store
 * instead (limits are then per replica), and the fail-open is counted in redis_fail_open_total.
 */
declare module 'fastify' {
  interface FastifyInstance {
    /** Each API key's own bucket (auth.ts tells it which keys authenticated). */
    apiKeyBuckets: ApiKeyBuckets
  }
}

export default fp(async function rateLimitPlugin (fastify) {
  const { max, windowMs } = fastify.config.rateLimit
  const apiKeyBuckets = new ApiKeyBuckets()
  fastify.decorate('apiKeyBuckets', apiKeyBuckets)
  const { redis, redisGuard: guard } = fastify
  await fastify.register(fastifyRateLimit, {
    global: true,
    // onRequest: a client over its budget is refused before its body is even read.
    hook: 'onRequest',
    max,
    timeWindow: windowMs,
    // The client address, or a known API key's own bucket on the routes that admit keys (SPEC §7).
    keyGenerator: (request) => apiKeyBuckets.keyOf(request, () => request.routeOptions.config.scopes !== undefined),
    store: redis !== null && guard !== null ? failoverStore(batchedRedisStore(redis, guard, fastify.log), localStore(), guard) : localStore(),
    skipOnError: true,
    // RateLimit-Limit / -Remaining / -Reset (IETF draft) instead of X-RateLimit-*, and Retry-After on 429.
    enableDraftSpec: true,
    errorResponseBuilder: (_request, context) => {
      const retryAfter = Math.max(1, Math.ceil(context.ttl / 1000))
      return new AppError(HTTP_PROBLEMS.RATE_LIMITED,
        `Too many requests: the limit is ${context.max} per ${windowMs / 1000} seconds; retry in ${retryAfter} s`,
        { headers: { 'retry-after': String(retryAfter) } })
    }
  })
}, { name: 'rate-limit', dependencies: ['config', 'redis'] })
