import { FastifyOtelInstrumentation } from '@fastify/otel'
import { LogController, type FastifyReply, type FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import type { Tracing } from '../../lib/tracing/provider.js'

declare module 'fastify' {
  interface FastifyRequest {
    /** The trace id of the request's server span; null when the request is not traced (tracing off: absent). */
    traceId?: string | null
  }
}

/**
 * Fastify writes `incoming request` before any hook runs, so before the request's span exists.
 * With tracing on (app.ts), the line is written by `logIncoming` instead: from the otel hook below
 * once the trace id is on the request's logger, or, for a request the router refuses before any
 * hook (a bad URL, too long a parameter), from the frameworkErrors handler.
 */
export class TracedLogController extends LogController {
  override incomingRequest (): void {}

  logIncoming (request: FastifyRequest, reply: FastifyReply): void {
    super.incomingRequest(request, reply)
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
 * The trace id goes on the request's logger (every line of the request, `incoming request` written
 * here through the app's TracedLogController) and on the request (problem bodies: `trace_id`).
 */
export default fp<{ tracing: Tracing, logController: TracedLogController }>(async function otelPlugin (fastify, { tracing, logController }) {
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
    logController.logIncoming(request, reply)
    done()
  })
}, { name: 'otel' })
