import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { diag } from '@opentelemetry/api'
import pino from 'pino'
import { ConfigError } from '../../../lib/config.js'
import { startTracing } from '../../../lib/tracing/provider.js'
import type { TestContext } from '../../helpers/database.js'
import { captureLogs } from '../../helpers/log-capture.js'
import { suite } from '../../helpers/suite.js'
import { createUser } from '../../helpers/users.js'
import { waitFor } from '../../helpers/wait.js'
import { buildOrdersApp } from '../../routes/orders/fixtures/orders.js'

const OTEL_VARIABLES = [
  'OTEL_SDK_DISABLED', 'OTEL_TRACES_EXPORTER', 'OTEL_EXPORTER_OTLP_ENDPOINT', 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT',
  'OTEL_EXPORTER_OTLP_PROTOCOL', 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL', 'OTEL_EXPORTER_OTLP_HEADERS', 'OTEL_SERVICE_NAME', 'OTEL_RESOURCE_ATTRIBUTES',
  'OTEL_EXPORTER_OTLP_TIMEOUT', 'OTEL_BSP_SCHEDULE_DELAY', 'OTEL_TRACES_SAMPLER', 'OTEL_TRACES_SAMPLER_ARG'
]

/** Sets the OTEL_* variables for one test (the SDK reads process.env); the previous values come back at teardown. */
function withEnv (t: TestContext, env: Record<string, string>): void {
  const saved = Object.fromEntries(OTEL_VARIABLES.map((name) => [name, process.env[name]]))
  for (const name of OTEL_VARIABLES) Reflect.deleteProperty(process.env, name)
  Object.assign(process.env, env)
  t.teardown(() => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) Reflect.deleteProperty(process.env, name)
      else process.env[name] = value
    }
  })
}

interface Export { path: string, contentType: string | undefined, headers: http.IncomingHttpHeaders, body: string }

/** A local OTLP/HTTP receiver: records every export and answers 200. */
async function startCollector (t: TestContext): Promise<{ url: string, exports: Export[] }> {
  const exports: Export[] = []
  const server = http.createServer((req, res) => {
    let body = ''
    req.setEncoding('utf8')
    req.on('data', (chunk: string) => { body += chunk })
    req.on('end', () => {
      exports.push({ path: req.url ?? '', contentType: req.headers['content-type'], headers: req.headers, body })
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}')
    })
  })
  await new Promise<void>((resolve) => { server.listen(0, '127.0.0.1', resolve) })
  t.teardown(async () => { server.closeAllConnections(); await new Promise((resolve) => { server.close(resolve) }) })
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, exports }
}

/** A local port nothing listens on (it did a moment ago): a connection to it is refused. */
async function closedPort (): Promise<number> {
  const server = http.createServer()
  await new Promise<void>((resolve) => { server.listen(0, '127.0.0.1', resolve) })
  const { port } = server.address() as AddressInfo
  await new Promise((resolve) => { server.close(resolve) })
  return port
}

export default suite(import.meta, (t) => {
  t.test('off unless the standard variables turn it on', async (t) => {
    const cases: Array<Record<string, string>> = [
      {},
      { OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' },
      { OTEL_SDK_DISABLED: 'true', OTEL_TRACES_EXPORTER: 'otlp' },
      { OTEL_SERVICE_NAME: 'named-but-not-exported' }
    ]
    for (const env of cases) {
      t.test(JSON.stringify(env), async (t) => {
        withEnv(t, env)
        t.equal(startTracing(), null)
      })
    }
  })

  t.test('a protocol, exporter, endpoint or sampler it cannot honour stops the start, naming the variable', async (t) => {
    for (const [env, variable] of [
      [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' }, 'OTEL_EXPORTER_OTLP_PROTOCOL'],
      [{ OTEL_TRACES_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/protobuf' }, 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: \'http/protobuf\''],
      [{ OTEL_TRACES_EXPORTER: 'zipkin' }, 'OTEL_TRACES_EXPORTER'],
      [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'not-a-url' }, 'OTEL_EXPORTER_OTLP_ENDPOINT: \'not-a-url\''],
      [{ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'ftp://collector/v1/traces' }, 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'],
      [{ OTEL_TRACES_EXPORTER: 'console', OTEL_TRACES_SAMPLER: 'bogus' }, 'OTEL_TRACES_SAMPLER: unknown sampler \'bogus\''],
      [{ OTEL_TRACES_EXPORTER: 'console', OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: 'abc' }, 'OTEL_TRACES_SAMPLER_ARG'],
      [{ OTEL_TRACES_EXPORTER: 'console', OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '1.5' }, 'OTEL_TRACES_SAMPLER_ARG: \'1.5\'']
    ] as const) {
      t.test(variable, async (t) => {
        withEnv(t, env)
        let thrown: unknown
        try {
          startTracing()
        } catch (error) {
          thrown = error
        }
        t.ok(thrown instanceof ConfigError, 'a configuration error')
        t.match(thrown instanceof Error ? thrown.message : '', variable)
      })
    }
  })

  t.test('the standard samplers and ratios are taken', async (t) => {
    const envs: Array<Record<string, string>> = [
      { OTEL_TRACES_EXPORTER: 'console', OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.1' },
      { OTEL_TRACES_EXPORTER: 'console', OTEL_TRACES_SAMPLER: 'always_off' },
      { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://collector.example:4318/v1/traces', OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '1' }
    ]
    for (const env of envs) {
      t.test(JSON.stringify(env), async (t) => {
        withEnv(t, env)
        const tracing = startTracing()
        t.not(tracing, null, 'tracing on')
        await tracing?.shutdown()
      })
    }
  })

  t.test('OTEL_EXPORTER_OTLP_ENDPOINT alone turns it on: spans reach an OTLP/HTTP receiver as http/json', async (t) => {
    const collector = await startCollector(t)
    withEnv(t, {
      OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
      OTEL_EXPORTER_OTLP_HEADERS: 'x-collector-token=abc',
      OTEL_SERVICE_NAME: 'goshop-under-test',
      OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment.name=test'
    })
    const tracing = startTracing()
    if (tracing === null) throw new Error('tracing stayed off')
    t.teardown(async () => { await tracing.shutdown() })
    const app = await buildOrdersApp(t, { tracing })
    const customer = await createUser(app, 'customer')
    t.equal((await app.inject({ method: 'GET', url: '/api/products?limit=1', headers: customer.headers })).statusCode, 200)
    await tracing.provider.forceFlush()

    const exported = await waitFor('an export', async () => collector.exports.find((e) => e.body.includes('GET /api/products')))
    t.equal(exported.path, '/v1/traces')
    t.match(exported.contentType, /^application\/json/)
    t.equal(exported.headers['x-collector-token'], 'abc', 'OTEL_EXPORTER_OTLP_HEADERS are sent')
    const body: unknown = JSON.parse(exported.body)
    t.match(body, {
      resourceSpans: [{
        resource: { attributes: [] },
        scopeSpans: []
      }]
    })
    t.match(exported.body, /"key":"service\.name","value":\{"stringValue":"goshop-under-test"\}/)
    t.match(exported.body, /"key":"deployment\.environment\.name","value":\{"stringValue":"test"\}/)
    t.match(exported.body, /"name":"GET \/api\/products"/)
  })

  t.test('a failed export is a warn line of the given logger (the OTLP endpoint refuses connections); none after shutdown', async (t) => {
    withEnv(t, { OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${await closedPort()}`, OTEL_EXPORTER_OTLP_TIMEOUT: '200', OTEL_BSP_SCHEDULE_DELAY: '10' })
    const logs = captureLogs()
    const tracing = startTracing({ log: pino(logs.stream) })
    if (tracing === null) throw new Error('tracing stayed off')
    let running = true
    t.teardown(async () => { if (running) await tracing.shutdown() })

    tracing.provider.getTracer('test').startSpan('lost').end()
    const line = await waitFor('the failed export logged', async () => logs.lines().find((line) => line.component === 'opentelemetry'))
    t.equal(line.level, 40, 'at warn')
    t.match(line.msg, /ECONNREFUSED/)

    await tracing.shutdown()
    running = false
    diag.warn('after shutdown')
    t.notOk(logs.lines().some((line) => line.msg === 'after shutdown'), 'the logger is no longer OpenTelemetry\'s')
  })
})
