import cors from '@fastify/cors'
import fp from 'fastify-plugin'
import { SECURITY_HEADERS } from '../../lib/security-headers.js'

/**
 * Security headers (with a CSP that Swagger UI works under) and CORS from CORS_ORIGINS.
 * Registered first among the hooks (app.ts), so every refusal made in a later onRequest hook
 * (503 shedding, 400 without Host, 429, 401) carries the headers too.
 */
export default fp(async function securityPlugin (fastify) {
  fastify.addHook('onRequest', function securityHeaders (_request, reply, done) {
    for (const [name, value] of SECURITY_HEADERS) reply.raw.setHeader(name, value)
    done()
  })

  const origins = fastify.config.corsOrigins
  // No origin allowed (the production default): no CORS handling at all. Browsers then refuse
  // cross-origin reads by themselves, and responses carry no Vary/Access-Control-* headers.
  if (origins !== '*' && origins.length === 0) return
  await fastify.register(cors, {
    origin: origins === '*' ? true : origins,
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
    allowedHeaders: ['Authorization', 'Content-Type', 'Content-Encoding', 'If-Match', 'If-None-Match', 'Idempotency-Key', 'X-Request-Id'],
    exposedHeaders: ['ETag', 'Location', 'Link', 'X-Request-Id', 'Idempotent-Replayed', 'Retry-After', 'RateLimit-Limit', 'RateLimit-Remaining', 'RateLimit-Reset'],
    maxAge: 600
  })
}, { name: 'security', dependencies: ['config'] })
