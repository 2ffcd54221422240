import { IncomingMessage, ServerResponse } from 'node:http'
import { Socket } from 'node:net'
import cors from '@fastify/cors'
import fp from 'fastify-plugin'
import helmet, { type HelmetOptions } from 'helmet'

export const HELMET_OPTIONS: HelmetOptions = {
  contentSecurityPolicy: {
    directives: {
      defaultSrc: ["'self'"],
      scriptSrc: ["'self'"],
      styleSrc: ["'self'", "'unsafe-inline'"],
      imgSrc: ["'self'", 'data:'],
      connectSrc: ["'self'"],
      fontSrc: ["'self'", 'data:'],
      objectSrc: ["'none'"],
      frameAncestors: ["'none'"],
      baseUri: ["'self'"],
      formAction: ["'self'"],
      // Plain-HTTP deployments (minikube, compose) must keep working; TLS is the ingress's job.
      upgradeInsecureRequests: null
    }
  },
  crossOriginEmbedderPolicy: false
}

/**
 * The headers helmet sets, computed once. @fastify/helmet calls helmet(options) on every
 * request, which parses the CSP directives again each time (measured: BENCHMARKS.md, "What
 * changed"). With static options (no nonces, no per-request directive functions) the headers are
 * the same for every response, so they are taken from one run of helmet's middleware over a
 * blank response and then copied onto each response.
 */
export function helmetHeaders (options: HelmetOptions = HELMET_OPTIONS): Array<[string, string]> {
  const res = new ServerResponse(new IncomingMessage(new Socket()))
  helmet(options)(res.req, res, (error?: unknown) => { if (error !== undefined) throw error })
  return Object.entries(res.getHeaders()).map(([name, value]) => [name, String(value)])
}

/** Security headers (with a CSP that Swagger UI works under) and CORS from CORS_ORIGINS. */
export default fp(async function securityPlugin (fastify) {
  const headers = helmetHeaders()
  fastify.addHook('onRequest', function securityHeaders (_request, reply, done) {
    for (const [name, value] of headers) reply.raw.setHeader(name, value)
    done()
  })

  const origins = fastify.config.corsOrigins
  // No origin allowed (the production default): no CORS handling at all. Browsers then refuse
  // cross-origin reads by themselves, and responses carry no Vary/Access-Control-* headers.
  if (origins !== '*' && origins.length === 0) return
  await fastify.register(cors, {
    origin: origins === '*' ? true : origins,
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
    allowedHeaders: ['Authorization', 'Content-Type', 'If-Match', 'If-None-Match', 'Idempotency-Key', 'X-Request-Id'],
    exposedHeaders: ['ETag', 'Location', 'Link', 'X-Request-Id', 'Idempotent-Replayed', 'Retry-After', 'RateLimit-Limit', 'RateLimit-Remaining', 'RateLimit-Reset'],
    maxAge: 600
  })
}, { name: 'security', dependencies: ['config'] })
