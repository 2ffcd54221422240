import fastifyRateLimit from '@fastify/rate-limit'
import fp from 'fastify-plugin'
import { AppError } from '../../lib/app-error.js'
import { HTTP_PROBLEMS } from '../../lib/problems/http.js'
import { batchedRedisStore } from '../../lib/rate-limit/batched-redis-store.js'
import { localStore } from '../../lib/rate-limit/local-store.js'

/**
 * Per-client request budget (RATE_LIMIT_MAX per RATE_LIMIT_WINDOW): shared through Redis when
 * configured (under REDIS_KEY_PREFIX, so replicas with the same prefix share it), in-process
 * otherwise. It runs onRequest, before authentication (preValidation), so floods without a valid
 * token count too. Routes opt out with `config: { rateLimit: false }` (health, metrics).
 * Redis trouble never turns into 500s: the request passes unlimited and a warning is logged.
 */
export default fp(async function rateLimitPlugin (fastify) {
  const { max, windowMs } = fastify.config.rateLimit
  await fastify.register(fastifyRateLimit, {
    global: true,
    // onRequest: a client over its budget is refused before its body is even read.
    hook: 'onRequest',
    max,
    timeWindow: windowMs,
    store: fastify.config.redis !== null ? batchedRedisStore(fastify.redis, fastify.log) : localStore(),
    skipOnError: true,
    // RateLimit-Limit / -Remaining / -Reset (IETF draft) instead of X-RateLimit-*, and Retry-After on 429.
    enableDraftSpec: true,
    errorResponseBuilder: (_request, context) => new AppError(HTTP_PROBLEMS.RATE_LIMITED,
      `Too many requests: the limit is ${context.max} per ${context.after}; retry later`,
      { headers: { 'retry-after': String(Math.max(1, Math.ceil(context.ttl / 1000))) } })
  })
}, { name: 'rate-limit', dependencies: ['config', 'redis'] })
