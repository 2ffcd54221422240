import { FastifyOtelInstrumentation } from '@fastify/otel'
import fp from 'fastify-plugin'
import type { Tracing } from '../../lib/tracing/provider.js'

declare module 'fastify' {
  interface FastifyRequest {
    /** The trace id of the request's server span; null when the request is not traced (tracing off: absent). */
    traceId?: string | null
  }
}

/** Probes and scrapes make no spans (SPEC §8): `/health/*` and `/metrics`, whatever the query string. */
export function isUntracedPath (url: string): boolean {
  const path = url.split('?', 1)[0] ?? url
  return path.startsWith('/health/') || path === '/metrics'
}

/**
 * One server span per request (@fastify/otel), named `METHOD /route/template`, continuing an
 * incoming W3C traceparent; the handler runs in its context, so the Postgres and Redis spans of
 * the request are its children. Lifecycle hooks get no span of their own. Registered only when
 * tracing is on (app.ts), before the plugins whose hooks should run in the request's context.
 * The trace id goes on the request's logger (every later line of the request) and on the
 * request (problem bodies: `trace_id`).
 */
export default fp<{ tracing: Tracing }>(async function otelPlugin (fastify, { tracing }) {
  const instrumentation = new FastifyOtelInstrumentation({
    ignorePaths: (route) => isUntracedPath(route.url),
    instrumentHooks: false,
    requestHook: (span, request) => {
      span.updateName(request.routeOptions.url === undefined ? request.method : `${request.method} ${request.routeOptions.url}`)
    }
  })
  instrumentation.setTracerProvider(tracing.provider)
  await fastify.register(instrumentation.plugin())

  fastify.decorateRequest('traceId', null)
  fastify.addHook('onRequest', (request, reply, done) => {
    const { span } = request.opentelemetry()
    if (span != null) {
      const traceId = span.spanContext().traceId
      request.traceId = traceId
      request.log = reply.log = request.log.child({ trace_id: traceId })
    }
    done()
  })
}, { name: 'otel' })
