import { ProxyTracerProvider, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api'
import { isWrapped } from '@opentelemetry/instrumentation'
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base'
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node'
import type { FastifyInstance } from 'fastify'
import { Redis } from 'ioredis'
import type { InjectOptions } from 'light-my-request'
import pg from 'pg'
import { BODY_LIMIT_BYTES, buildApp } from '../../../app.js'
import { AppError, preconditionFailed } from '../../../lib/app-error.js'
import { HTTP_PROBLEMS } from '../../../lib/problems/http.js'
import { startTracing, type Tracing } from '../../../lib/tracing/provider.js'
import { testAppOptions } from '../../helpers/app.js'
import type { TestContext } from '../../helpers/database.js'
import { captureLogs } from '../../helpers/log-capture.js'
import { suite } from '../../helpers/suite.js'
import { createUser } from '../../helpers/users.js'
import { waitFor } from '../../helpers/wait.js'
import { buildOrdersApp, insertProduct, postOrder, settled } from '../../routes/orders/fixtures/orders.js'
import { createEndpoint, FAST_WEBHOOKS } from '../../routes/webhooks/fixtures.js'
import { startReceiver } from '../../routes/webhooks/receiver.js'

const INCOMING_TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736'
const INCOMING_SPAN_ID = '00f067aa0ba902b7'
const TRACEPARENT = `00-${INCOMING_TRACE_ID}-${INCOMING_SPAN_ID}-01`

/** Tracing into memory for one test; everything (global provider, patches) undone at teardown. */
function traceInMemory (t: TestContext): { tracing: Tracing, exporter: InMemorySpanExporter } {
  const exporter = new InMemorySpanExporter()
  const tracing = startTracing({ exporter })
  if (tracing === null) throw new Error('tracing did not start with an exporter')
  t.teardown(async () => { await tracing.shutdown() })
  return { tracing, exporter }
}

const inTrace = (spans: ReadableSpan[], traceId: string): ReadableSpan[] => spans.filter((span) => span.spanContext().traceId === traceId)
const attribute = (span: ReadableSpan, name: string): unknown => span.attributes[name]
const exceptions = (span: ReadableSpan): string[] => span.events.filter((event) => event.name === 'exception').map((event) => String(event.attributes?.['exception.message']))

/** A traced app with routes that fail as handlers can: a thrown 4xx, a thrown 5xx, a 5xx sent without an error. */
async function appWithFailingRoutes (t: TestContext, tracing: Tracing): Promise<FastifyInstance> {
  const app = await buildApp(await testAppOptions(t, { tracing }))
  t.teardown(async () => { await app.close() })
  app.get('/probe/precondition', async () => { throw preconditionFailed() })
  app.get('/probe/rate-limited', async () => { throw new AppError(HTTP_PROBLEMS.RATE_LIMITED, 'Slow down') })
  app.get('/probe/boom', async () => { throw new Error('the disk is on fire') })
  app.get('/probe/unavailable', async () => { throw new AppError(HTTP_PROBLEMS.SERVICE_UNAVAILABLE, 'The warehouse does not answer') })
  app.get('/probe/quiet-503', (_request, reply) => reply.code(503).send({ status: 'down' }))
  await app.ready()
  return await settled(app)
}

export default suite(import.meta, (t) => {
  t.test('tracing off: no provider, no patches, no stored trace context, no trace_id anywhere', async (t) => {
    const logs = captureLogs()
    const app = await buildOrdersApp(t, { env: { LOG_LEVEL: 'info' }, logStream: logs.stream })
    const provider = trace.getTracerProvider()
    t.ok(provider instanceof ProxyTracerProvider && !(provider.getDelegate() instanceof NodeTracerProvider), 'no tracer provider is registered')
    t.notOk(isWrapped(pg.Client.prototype.query), 'pg is not patched')
    t.notOk(isWrapped(Redis.prototype.sendCommand), 'ioredis is not patched')
    t.notOk(app.hasPlugin('@fastify/otel'), 'no request instrumentation')

    const customer = await createUser(app, 'customer')
    const product = await insertProduct(app, { stock: 5 })
    const order = await postOrder(app, customer, { items: [{ product_id: product.id, quantity: 1 }] }, { traceparent: TRACEPARENT })
    t.equal(order.statusCode, 201)
    const event = await app.db.selectFrom('webhook_events').select(['traceparent', 'tracestate']).executeTakeFirstOrThrow()
    t.same(event, { traceparent: null, tracestate: null }, 'the outbox row has no trace context')

    const missing = await app.inject({ method: 'GET', url: '/api/products/00000000-0000-4000-8000-000000000000', headers: customer.headers })
    t.equal(missing.statusCode, 404)
    t.notOk('trace_id' in missing.json(), 'no trace_id in the problem body')
    t.notOk(logs.lines().some((line) => 'trace_id' in line), 'no trace_id in any log line')
    t.notOk(order.headers.traceparent, 'no traceparent answered')
  })

  t.test('tracing on: one order request is one trace, continued from the incoming traceparent', async (t) => {
    const { tracing, exporter } = traceInMemory(t)
    const logs = captureLogs()
    const app = await buildOrdersApp(t, { env: { ...FAST_WEBHOOKS, LOG_LEVEL: 'info' }, logStream: logs.stream, tracing })
    const admin = await createUser(app, 'admin')
    const customer = await createUser(app, 'customer')
    const receiver = await startReceiver(t)
    await createEndpoint(app, admin, receiver.url, ['order.created'])
    const product = await insertProduct(app, { stock: 5 })
    exporter.reset()

    const order = await postOrder(app, customer, { items: [{ product_id: product.id, quantity: 1 }] }, { traceparent: TRACEPARENT, 'x-request-id': 'traced-order' })
    t.equal(order.statusCode, 201)
    const spans = inTrace(exporter.getFinishedSpans(), INCOMING_TRACE_ID)
    const server = spans.find((span) => span.kind === SpanKind.SERVER)
    if (server === undefined) throw new Error(`no server span in ${spans.map((span) => span.name).join(', ')}`)
    t.equal(server.name, 'POST /api/orders', 'named by method and route template')
    t.equal(server.parentSpanContext?.spanId, INCOMING_SPAN_ID, 'a child of the caller\'s span')
    t.equal(attribute(server, 'http.route'), '/api/orders')
    t.equal(attribute(server, 'http.response.status_code'), 201)

    const ids = new Set(spans.map((span) => span.spanContext().spanId))
    t.ok(spans.every((span) => span === server || ids.has(span.parentSpanContext?.spanId ?? '')), 'every other span descends from the server span')
    if (app.dbHandle.kind === 'postgres') {
      const statement = spans.find((span) => String(attribute(span, 'db.query.text')).includes('INSERT INTO orders'))
      t.ok(statement, 'the order statement is a span of the trace')
      t.equal(statement === undefined ? undefined : attribute(statement, 'db.system.name'), 'postgresql')
    }
    if (app.redisGuard !== null) {
      const redis = spans.find((span) => attribute(span, 'db.system.name') === 'redis')
      t.ok(redis, 'the rate-limit call to Redis is a span of the trace')
      t.match(String(redis === undefined ? '' : attribute(redis, 'db.query.text')), /^[a-z]+$/i, 'named by its command alone: its keys hold the client address')
    }

    const event = await app.db.selectFrom('webhook_events').select(['traceparent']).executeTakeFirstOrThrow()
    t.match(event.traceparent, new RegExp(`^00-${INCOMING_TRACE_ID}-[0-9a-f]{16}-01$`), 'the outbox row keeps the request\'s trace context')
    const attempt = await waitFor('the delivery attempt span', async () => inTrace(exporter.getFinishedSpans(), INCOMING_TRACE_ID).find((span) => span.name === 'webhook order.created'))
    t.equal(receiver.received.length, 1)
    t.equal(attempt.kind, SpanKind.CLIENT)
    t.equal(attempt.parentSpanContext?.spanId, event.traceparent?.split('-')[2], 'the attempt continues the context stored with the event')
    t.ok(ids.has(attempt.parentSpanContext?.spanId ?? ''), 'under the order request\'s spans')
    t.equal(attribute(attempt, 'webhook.outcome'), 'succeeded')
    t.equal(attribute(attempt, 'http.response.status_code'), 200)
    if (app.dbHandle.kind === 'postgres') {
      const recorded = await waitFor('the attempt record span', async () => exporter.getFinishedSpans().find((span) =>
        span.parentSpanContext?.spanId === attempt.spanContext().spanId && String(attribute(span, 'db.query.text')).includes('webhook_attempts')))
      t.equal(recorded.spanContext().traceId, INCOMING_TRACE_ID, 'the attempt\'s queries are in the trace too')
    }

    const lines = logs.lines().filter((line) => line.reqId === 'traced-order')
    const messages = lines.map((line) => line.msg)
    t.equal(messages[0], 'incoming request', 'the first line is still the incoming request')
    t.equal(messages.filter((msg) => msg === 'incoming request').length, 1, 'written once')
    t.equal(messages.at(-1), 'request completed')
    t.same(lines.filter((line) => line.trace_id !== INCOMING_TRACE_ID), [], 'every line of the request, the incoming one included, carries the trace id')
  })

  t.test('tracing on: problem bodies carry the trace id; a request without traceparent starts its own trace', async (t) => {
    const { tracing, exporter } = traceInMemory(t)
    const app = await buildOrdersApp(t, { tracing })
    const customer = await createUser(app, 'customer')
    exporter.reset()
    const missing = await app.inject({ method: 'GET', url: '/api/products/00000000-0000-4000-8000-000000000000', headers: customer.headers })
    t.equal(missing.statusCode, 404)
    const server = exporter.getFinishedSpans().find((span) => span.kind === SpanKind.SERVER)
    t.equal(server?.name, 'GET /api/products/:id')
    t.equal(server?.parentSpanContext, undefined, 'a root span')
    t.equal(missing.json().trace_id, server?.spanContext().traceId, 'trace_id is the server span\'s trace id')
    t.match(missing.json().trace_id, /^[0-9a-f]{32}$/)

    const unauthorized = await app.inject({ method: 'POST', url: '/api/orders', headers: { traceparent: TRACEPARENT }, payload: {} })
    t.equal(unauthorized.statusCode, 401)
    t.equal(unauthorized.json().trace_id, INCOMING_TRACE_ID, 'a refused request continues the caller\'s trace too')
  })

  t.test('tracing on: a 4xx leaves the server span\'s status unset; a 5xx is an ERROR, with its message and error.type', async (t) => {
    const { tracing, exporter } = traceInMemory(t)
    const app = await appWithFailingRoutes(t, tracing)
    const customer = await createUser(app, 'customer')
    const serverSpan = async (request: InjectOptions, status: number): Promise<ReadableSpan> => {
      exporter.reset()
      const res = await app.inject(request)
      t.equal(res.statusCode, status, `${request.method} ${request.url}: ${status}`)
      const span = exporter.getFinishedSpans().find((each) => each.kind === SpanKind.SERVER)
      if (span === undefined) throw new Error(`no server span for ${request.method} ${request.url}`)
      t.equal(attribute(span, 'http.response.status_code'), status)
      return span
    }

    const json = { ...customer.headers, 'content-type': 'application/json' }
    const clientErrors: Array<[string, InjectOptions, number]> = [
      ['a validation error', { method: 'POST', url: '/api/orders', headers: customer.headers, payload: { items: 'none' } }, 400],
      ['malformed JSON', { method: 'POST', url: '/api/orders', headers: json, payload: '{' }, 400],
      ['no credentials', { method: 'POST', url: '/api/orders', payload: {} }, 401],
      ['a thrown not found', { method: 'GET', url: '/api/products/00000000-0000-4000-8000-000000000000', headers: customer.headers }, 404],
      ['an unknown route', { method: 'GET', url: '/api/nowhere' }, 404],
      ['a precondition', { method: 'GET', url: '/probe/precondition' }, 412],
      ['too large a body', { method: 'POST', url: '/api/orders', headers: json, payload: `"${'x'.repeat(BODY_LIMIT_BYTES)}"` }, 413],
      ['a text body', { method: 'POST', url: '/api/orders', headers: { ...customer.headers, 'content-type': 'text/plain' }, payload: 'x' }, 415],
      ['a rate limit', { method: 'GET', url: '/probe/rate-limited' }, 429]
    ]
    for (const [what, request, status] of clientErrors) {
      const span = await serverSpan(request, status)
      t.equal(span.status.code, SpanStatusCode.UNSET, `${what}: status unset`)
      t.same(exceptions(span), [], `${what}: no exception event`)
      t.equal(attribute(span, 'error.type'), undefined, `${what}: no error.type`)
    }

    const boom = await serverSpan({ method: 'GET', url: '/probe/boom' }, 500)
    t.same(boom.status, { code: SpanStatusCode.ERROR, message: 'the disk is on fire' })
    t.same(exceptions(boom), ['the disk is on fire'])
    t.equal(attribute(boom, 'error.type'), '500')
    const unavailable = await serverSpan({ method: 'GET', url: '/probe/unavailable' }, 503)
    t.same(unavailable.status, { code: SpanStatusCode.ERROR, message: 'The warehouse does not answer' })
    t.equal(attribute(unavailable, 'error.type'), '503')
    const quiet = await serverSpan({ method: 'GET', url: '/probe/quiet-503' }, 503)
    t.same(quiet.status, { code: SpanStatusCode.ERROR }, 'a 5xx nothing threw is an ERROR too')
    t.same(exceptions(quiet), [])
    t.equal(attribute(quiet, 'error.type'), '503')
  })

  t.test('tracing on: url.path is the path without the query string; url.scheme is http, or https behind a proxy that says so', async (t) => {
    const { tracing, exporter } = traceInMemory(t)
    const app = await buildOrdersApp(t, { env: { TRUST_PROXY: 'true' }, tracing })
    const admin = await createUser(app, 'admin')
    const search = '/api/customers?q=someone%40mail.test'
    // An unknown parameter is refused (400), but the request is traced all the same.
    const token = '/api/customers?access_token=secret-token'
    for (const [url, forwarded, scheme, status] of [
      [search, undefined, 'http', 200],
      [search, 'https', 'https', 200],
      [token, 'http, gopher', 'http', 400]
    ] as const) {
      exporter.reset()
      const res = await app.inject({ method: 'GET', url, headers: { ...admin.headers, ...(forwarded !== undefined ? { 'x-forwarded-proto': forwarded } : {}) } })
      t.equal(res.statusCode, status)
      const spans = exporter.getFinishedSpans()
      const server = spans.find((span) => span.kind === SpanKind.SERVER)
      t.equal(server === undefined ? undefined : attribute(server, 'url.path'), '/api/customers')
      t.equal(server === undefined ? undefined : attribute(server, 'url.scheme'), scheme, `X-Forwarded-Proto ${String(forwarded)}: ${scheme}`)
      t.notOk(spans.some((span) => 'url.query' in span.attributes), 'no url.query')
      t.notMatch(JSON.stringify(spans.map((span) => span.attributes)), /someone|secret-token/, 'no query value in any span')
    }
  })

  t.test('tracing on: health probes and metrics make no spans', async (t) => {
    const { tracing, exporter } = traceInMemory(t)
    const app = await buildOrdersApp(t, { tracing })
    exporter.reset()
    for (const url of ['/health/live', '/health/ready', '/metrics', '/health/live?probe=1', '/metrics/', '/metrics/?probe=1', '/health/live/']) {
      const res = await app.inject({ method: 'GET', url, headers: { traceparent: TRACEPARENT } })
      t.not(res.statusCode, 500, url)
      t.notOk(res.body.includes('trace_id'), `${url}: no trace id`)
    }
    t.same(exporter.getFinishedSpans().map((span) => span.name), [], 'not a single span')
  })

  t.test('tracing on: a 404 and a request the router refuses log their incoming line with the trace id; a probe logs it once, untraced', async (t) => {
    const { tracing, exporter } = traceInMemory(t)
    const logs = captureLogs()
    const app = await buildOrdersApp(t, { env: { LOG_LEVEL: 'info' }, logStream: logs.stream, tracing })
    const linesOf = async (url: string): Promise<Array<Record<string, unknown>>> => {
      const res = await app.inject({ method: 'GET', url, headers: { traceparent: TRACEPARENT } })
      return logs.lines().filter((line) => line.reqId === res.headers['x-request-id'])
    }

    const probe = await linesOf('/health/live')
    t.equal(probe[0]?.msg, 'incoming request', 'a probe: the incoming line is still written, first')
    t.equal(probe.filter((line) => line.msg === 'incoming request').length, 1, 'a probe: once')
    t.notOk(probe.some((line) => 'trace_id' in line), 'a probe: no trace id')

    // The router refuses a bad URL or an over-long parameter (frameworkErrors) before any hook: its span is made there.
    exporter.reset()
    for (const [url, status] of [['/api/products/%E0%A4%A?q=secret', 400], [`/api/products/${'a'.repeat(300)}`, 414]] as const) {
      const res = await app.inject({ method: 'GET', url, headers: { traceparent: TRACEPARENT } })
      t.equal(res.statusCode, status)
      t.equal(res.json().trace_id, INCOMING_TRACE_ID, `${status}: the problem names the trace`)
      const lines = logs.lines().filter((line) => line.reqId === res.headers['x-request-id'])
      t.same(lines.map((line) => line.msg), ['incoming request', 'request completed'], `${status}: its incoming and completed lines, once each`)
      t.same(lines.filter((line) => line.trace_id !== INCOMING_TRACE_ID), [], `${status}: both carry the trace id`)
    }
    const refused = await waitFor('the refused requests\' spans', async () => {
      const spans = inTrace(exporter.getFinishedSpans(), INCOMING_TRACE_ID)
      return spans.length === 2 ? spans : undefined
    })
    for (const span of refused) {
      t.equal(span.name, 'GET', 'named by its method: no route matched')
      t.equal(span.kind, SpanKind.SERVER)
      t.equal(span.parentSpanContext?.spanId, INCOMING_SPAN_ID, 'continuing the incoming traceparent')
      t.equal(span.status.code, SpanStatusCode.UNSET, 'a 4xx leaves the status unset')
      t.notOk(String(attribute(span, 'url.path')).includes('?'), 'the path without its query')
    }
    t.same(refused.map((span) => attribute(span, 'http.response.status_code')).sort(), [400, 414])
    const notFound = await linesOf('/api/nowhere')
    t.same(notFound.map((line) => line.msg).filter((msg) => msg === 'incoming request' || msg === 'request completed'), ['incoming request', 'request completed'])
    t.same(notFound.filter((line) => line.trace_id !== INCOMING_TRACE_ID), [], 'a 404 is traced: every line carries the trace id')
  })
})
