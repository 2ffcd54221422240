import type { FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { sendProblem, type ProblemInput } from '../../lib/problem.js'
import { HTTP_PROBLEMS } from '../../lib/problems/http.js'
import { SECURITY_HEADERS } from '../../lib/security-headers.js'

/**
 * 404 and 405 as problems. Registered after the rate limiter so floods of unknown
 * URLs spend the same budget as everything else, and refused in onRequest like every route:
 * the 404 handler's own hooks can only be preValidation/preHandler, which run after the body
 * is parsed, so the limit is a root onRequest hook that acts on unrouted requests only.
 */
export default fp(async function notFoundPlugin (fastify) {
  const limit = fastify.rateLimit()
  // A callback hook, so a routed request (every request but these) passes without a promise.
  fastify.addHook('onRequest', function limitUnknownRoutes (request, reply, done) {
    if (!request.is404) { done(); return }
    limit.call(fastify, request, reply).then(() => { done() }, done)
  })
  fastify.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0] ?? '/'
    const served = fastify.allowedMethods(path)
    // A route of this method matched and found nothing (a static file that is not there): 404, not 405.
    const allowed = served.includes(request.method) ? [] : served
    if (allowed.length > 0) {
      reply.header('allow', allowed.join(', '))
      return sendProblem(request, reply, { problem: HTTP_PROBLEMS.METHOD_NOT_ALLOWED, detail: `${request.method} is not allowed on ${path}; allowed: ${allowed.join(', ')}` })
    }
    return sendProblem(request, reply, { problem: HTTP_PROBLEMS.ROUTE_NOT_FOUND, detail: `No route ${request.method} ${path}` })
  })
}, { name: 'not-found', dependencies: ['route-table', 'rate-limit'] })

const ROUTER_ERRORS: Record<string, ProblemInput> = {
  FST_ERR_BAD_URL: { problem: HTTP_PROBLEMS.INVALID_URL, detail: 'The request URL is malformed (bad percent-encoding)' },
  FST_ERR_MAX_PARAM_LENGTH: { problem: HTTP_PROBLEMS.URI_TOO_LONG, detail: 'A path parameter is longer than any valid value' }
}

/**
 * Fastify writes `request completed` from listeners it sets on the response when it runs a route;
 * a request the router refuses never runs one, so its line would be missing: written here alike.
 */
function logCompletion (reply: FastifyReply): void {
  const started = performance.now()
  const completed = (error?: Error): void => {
    reply.raw.off('finish', completed)
    reply.raw.off('error', completed)
    const responseTime = performance.now() - started
    if (error === undefined) reply.log.info({ res: reply, responseTime }, 'request completed')
    else reply.log.error({ res: reply, err: error, responseTime }, 'request errored')
  }
  reply.raw.on('finish', completed)
  reply.raw.on('error', completed)
}

/**
 * Errors the router raises before any route or hook runs (malformed URL, over-long path
 * parameter): no hook sets the request id or the security headers, so they are set here.
 */
export function frameworkError (error: Error & { code?: string }, request: FastifyRequest, reply: FastifyReply): void {
  logCompletion(reply)
  for (const [name, value] of SECURITY_HEADERS) reply.header(name, value)
  reply.header('x-request-id', request.id)
  sendProblem(request, reply, ROUTER_ERRORS[error.code ?? ''] ?? { problem: HTTP_PROBLEMS.BAD_REQUEST, detail: 'The request could not be routed' })
}
