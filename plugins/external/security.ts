import cors from '@fastify/cors'
import fp from 'fastify-plugin'
import { CORS_EXPOSED_HEADERS, SECURITY_HEADERS } from '../../lib/security-headers.js'
import { MAX_URL_LENGTH } from '../../schemas/bounds.js'

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
  const options = {
    // Any origin is echoed in Access-Control-Allow-Origin, up to the length the document declares
    // for it (a serialized origin is a scheme, a host of at most 253 characters and a port); a
    // longer one gets no CORS headers, as a disallowed origin does.
    origin: origins === '*' ? (origin: string | undefined, callback: (error: Error | null, allow: boolean) => void) => { callback(null, origin === undefined || origin.length <= MAX_URL_LENGTH) } : origins,
    // HEAD is served wherever GET is (docs/openapi.md).
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
    // traceparent/tracestate: an incoming W3C trace context is continued (SPEC §8).
    allowedHeaders: ['Authorization', 'Content-Type', 'Content-Encoding', 'If-Match', 'If-None-Match', 'Idempotency-Key', 'X-Request-Id', 'traceparent', 'tracestate'],
    exposedHeaders: [...CORS_EXPOSED_HEADERS],
    maxAge: 600
  }
  const notPreflight = { ...options, preflight: false }
  await fastify.register(cors, {
    // Only a real preflight (Fetch: OPTIONS with Origin and Access-Control-Request-Method) is
    // CORS's to answer. Any other OPTIONS is a method the API does not serve: it falls through
    // to the 405 problem with Allow (404 on unknown paths), as with CORS off, instead of the
    // library's strict-mode 400 text/plain.
    delegator: (request, callback) => {
      const preflight = request.headers.origin !== undefined && request.headers['access-control-request-method'] !== undefined
      callback(null, preflight || request.method !== 'OPTIONS' ? options : notPreflight)
    }
  })
}, { name: 'security', dependencies: ['config'] })
