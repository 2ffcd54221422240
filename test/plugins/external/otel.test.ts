import { ProxyTracerProvider, SpanKind, trace } from '@opentelemetry/api'
import { isWrapped } from '@opentelemetry/instrumentation'
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base'
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node'
import { Redis } from 'ioredis'
import pg from 'pg'
import { startTracing, type Tracing } from '../../../lib/tracing/provider.js'
import type { TestContext } from '../../helpers/database.js'
import { captureLogs } from '../../helpers/log-capture.js'
import { suite } from '../../helpers/suite.js'
import { createUser } from '../../helpers/users.js'
import { waitFor } from '../../helpers/wait.js'
import { buildOrdersApp, insertProduct, postOrder } from '../../routes/orders/fixtures/orders.js'
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

  t.test('tracing on: health probes and metrics make no spans', async (t) => {
    const { tracing, exporter } = traceInMemory(t)
    const app = await buildOrdersApp(t, { tracing })
    exporter.reset()
    for (const url of ['/health/live', '/health/ready', '/metrics', '/health/live?probe=1']) {
      const res = await app.inject({ method: 'GET', url, headers: { traceparent: TRACEPARENT } })
      t.not(res.statusCode, 500, url)
      t.notOk(res.body.includes('trace_id'), `${url}: no trace id`)
    }
    t.same(exporter.getFinishedSpans().map((span) => span.name), [], 'not a single span')
  })

  t.test('tracing on: a 404 logs its incoming line with the trace id; a request refused by the router or a probe logs it once, untraced', async (t) => {
    const { tracing } = traceInMemory(t)
    const logs = captureLogs()
    const app = await buildOrdersApp(t, { env: { LOG_LEVEL: 'info' }, logStream: logs.stream, tracing })
    const linesOf = async (url: string): Promise<Array<Record<string, unknown>>> => {
      const res = await app.inject({ method: 'GET', url, headers: { traceparent: TRACEPARENT } })
      return logs.lines().filter((line) => line.reqId === res.headers['x-request-id'])
    }

    // The router refuses a bad URL (frameworkErrors) before any hook, so there is no span; a probe is not traced.
    for (const url of ['/api/products/%E0%A4%A', '/health/live']) {
      const lines = await linesOf(url)
      t.equal(lines[0]?.msg, 'incoming request', `${url}: the incoming line is still written, first`)
      t.equal(lines.filter((line) => line.msg === 'incoming request').length, 1, `${url}: once`)
      t.notOk(lines.some((line) => 'trace_id' in line), `${url}: no trace id`)
    }
    const notFound = await linesOf('/api/nowhere')
    t.same(notFound.map((line) => line.msg).filter((msg) => msg === 'incoming request' || msg === 'request completed'), ['incoming request', 'request completed'])
    t.same(notFound.filter((line) => line.trace_id !== INCOMING_TRACE_ID), [], 'a 404 is traced: every line carries the trace id')
  })
})
