import { FastifyOtelInstrumentation } from '@fastify/otel'
import { propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, type Attributes, type Span } from '@opentelemetry/api'
import { ATTR_ERROR_TYPE, ATTR_HTTP_REQUEST_METHOD, ATTR_HTTP_RESPONSE_STATUS_CODE, ATTR_URL_PATH, ATTR_URL_SCHEME } from '@opentelemetry/semantic-conventions'
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

const pathOf = (url: string): string => url.split('?', 1)[0] ?? url

/**
 * Probes and scrapes make no spans (SPEC §8): `/health/*` and `/metrics`, whatever the query
 * string; `/metrics/` too, which ignoreTrailingSlash routes to the same handler.
 */
export function isUntracedPath (url: string): boolean {
  const path = pathOf(url)
  return path.startsWith('/health/') || path === '/metrics' || path === '/metrics/'
}

/**
 * The library records request.url, query string included; query values can be personal data or
 * credentials (`?q=<email>`, `?access_token=`), so the path alone, and no url.query. Behind
 * TRUST_PROXY, request.protocol is X-Forwarded-Proto as the proxy sent it, any string.
 */
const requestAttributes = (request: FastifyRequest): Attributes => ({
  [ATTR_HTTP_REQUEST_METHOD]: request.method,
  [ATTR_URL_PATH]: pathOf(request.url),
  [ATTR_URL_SCHEME]: request.protocol === 'https' ? 'https' : 'http'
})

/** The trace id on the request (problem bodies: `trace_id`) and on every log line of it. */
function carryTraceId (request: FastifyRequest, reply: FastifyReply, traceId: string): void {
  request.traceId = traceId
  request.log = reply.log = request.log.child({ trace_id: traceId })
}

/**
 * A request the router refuses (bad percent-encoding, an over-long path parameter) runs no hook,
 * so @fastify/otel makes no span for it: its server span is made here (app.ts, frameworkErrors),
 * named by its method alone as no route matched, continuing an incoming traceparent, and ended
 * when the answer has been sent.
 */
export function traceRefusedRequest (tracing: Tracing, request: FastifyRequest, reply: FastifyReply): void {
  if (isUntracedPath(request.url)) return
  const parent = propagation.extract(ROOT_CONTEXT, request.headers)
  const span = tracing.provider.getTracer('goshop-api').startSpan(request.method, { kind: SpanKind.SERVER, attributes: requestAttributes(request) }, parent)
  carryTraceId(request, reply, span.spanContext().traceId)
  let ended = false
  const end = (): void => {
    if (ended) return
    ended = true
    span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, reply.statusCode)
    span.end()
  }
  reply.raw.once('finish', end)
  reply.raw.once('close', end)
}

/**
 * @fastify/otel's onError hook marks the request span ERROR and records the exception for every
 * error, a 400 or 401 included, before the error handler has chosen the status; but a SERVER span
 * stays unset on a 4xx (HTTP semconv) and the SDK cannot unset a status. So the span holds those
 * calls back until the returned function is given the response's status (onSend, below): replayed
 * on a 5xx, with `error.type` (also on a 5xx nothing threw), dropped otherwise. The library's
 * `handler - x` spans keep ERROR for any thrown error: internal spans, whose handler it did cut short.
 */
function holdErrorUntilStatus (span: Span): (statusCode: number) => void {
  const setStatus = span.setStatus.bind(span)
  const recordException = span.recordException.bind(span)
  let held: Array<() => void> | null = []
  span.setStatus = (status) => {
    if (held === null) setStatus(status)
    else held.push(() => setStatus(status))
    return span
  }
  span.recordException = (exception, time) => {
    if (held === null) recordException(exception, time)
    else held.push(() => { recordException(exception, time) })
  }
  return (statusCode) => {
    const calls = held ?? []
    held = null
    if (statusCode < 500) return
    setStatus({ code: SpanStatusCode.ERROR })
    for (const call of calls) call()
    span.setAttribute(ATTR_ERROR_TYPE, String(statusCode))
  }
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
  const settles = new WeakMap<FastifyRequest, (statusCode: number) => void>()
  const instrumentation = new FastifyOtelInstrumentation({
    ignorePaths: (route) => isUntracedPath(route.url),
    instrumentHooks: false,
    requestHook: (span, request) => {
      span.updateName(request.routeOptions.url === undefined ? request.method : `${request.method} ${request.routeOptions.url}`)
      span.setAttributes(requestAttributes(request))
      settles.set(request, holdErrorUntilStatus(span))
    }
  })
  instrumentation.setTracerProvider(tracing.provider)
  await fastify.register(instrumentation.plugin())

  fastify.decorateRequest('traceId', null)
  fastify.addHook('onRequest', (request, reply, done) => {
    const { span } = request.opentelemetry()
    if (span != null) carryTraceId(request, reply, span.spanContext().traceId)
    logController.logIncoming(request, reply)
    done()
  })
  // Before the library's own onSend (a route hook, run after every instance hook) ends the span.
  fastify.addHook('onSend', (request, reply, payload, done) => {
    settles.get(request)?.(reply.statusCode)
    done(null, payload)
  })
}, { name: 'otel' })
