import fastifyRateLimit from '@fastify/rate-limit'
import fp from 'fastify-plugin'
import { AppError } from './app-error.js'

/**
 * Per-client request budget (RATE_LIMIT_MAX per RATE_LIMIT_WINDOW), shared through Redis
 * when configured. Runs onRequest, before authentication, so unauthenticated floods count.
 * Routes opt out with `config: { rateLimit: false }` (health, metrics).
 */
export default fp(async function rateLimitPlugin (fastify) {
  const { max, windowMs } = fastify.config.rateLimit
  await fastify.register(fastifyRateLimit, {
    global: true,
    max,
    timeWindow: windowMs,
    ...(fastify.config.redis !== null ? { redis: fastify.redis, nameSpace: 'rl:' } : {}),
    // A Redis outage must not take the API down: let the request through.
    skipOnError: true,
    enableDraftSpec: true,
    addHeadersOnExceeding: { 'x-ratelimit-limit': false, 'x-ratelimit-remaining': false, 'x-ratelimit-reset': false },
    errorResponseBuilder: (_request, context) => new AppError(429, 'RATE_LIMITED',
      `Too many requests: the limit is ${context.max} per ${context.after}; retry later`,
      { headers: { 'retry-after': String(Math.ceil(context.ttl / 1000)) } })
  })
}, { name: 'rate-limit', dependencies: ['config', 'redis'] })
