import type { Writable } from 'node:stream'
import Fastify, { type FastifyInstance } from 'fastify'
import { suite } from '../../helpers/suite.js'
import { loadConfig } from '../../../lib/config.js'
import configPlugin from '../../../plugins/app/config.js'
import errorsPlugin from '../../../plugins/app/errors.js'
import lifecyclePlugin from '../../../plugins/app/lifecycle.js'
import requestIdPlugin, { genReqId } from '../../../plugins/app/request-id.js'
import securityPlugin from '../../../plugins/external/security.js'
import underPressurePlugin, { type PressureOptions } from '../../../plugins/external/under-pressure.js'
import { SECURITY_HEADERS } from '../../../lib/security-headers.js'
import { buildTestApp } from '../../helpers/app.js'
import type { TestContext } from '../../helpers/database.js'
import { captureLogs } from '../../helpers/log-capture.js'
import { waitFor } from '../../helpers/wait.js'

/** The plugin as app.ts registers it, with thresholds a test can cross on purpose. */
async function pressuredApp (t: TestContext, options: PressureOptions, env: Record<string, string> = { DATABASE_URL: 'postgres://unused@127.0.0.1/unused' }, logStream?: Writable): Promise<FastifyInstance> {
  const app = Fastify({ logger: logStream === undefined ? false : { level: 'info', stream: logStream }, genReqId, requestIdHeader: false })
  await app.register(configPlugin, { config: loadConfig({ APP_ENV: 'test', ...env }) })
  // In app.ts' order: the request id and security headers first, so a shed request carries both.
  await app.register(requestIdPlugin)
  await app.register(securityPlugin)
  await app.register(lifecyclePlugin)
  await app.register(underPressurePlugin, { sampleIntervalMs: 10, ...options })
  await app.register(errorsPlugin)
  for (const url of ['/health/live', '/health/ready', '/metrics', '/api/products']) {
    app.get(url, async () => ({ url }))
  }
  t.teardown(async () => { await app.close() })
  await app.ready()
  return app
}

export default suite(import.meta, (t) => {
  t.test('over the memory threshold: 503 SERVICE_OVERLOADED problem with Retry-After; probes still answer', async (t) => {
    const app = await pressuredApp(t, { maxHeapUsedBytes: 1, retryAfterSeconds: 7 })
    await waitFor('the first memory sample', async () => app.isUnderPressure() ? true : undefined)

    const res = await app.inject({ method: 'GET', url: '/api/products', headers: { 'x-request-id': 'overload-1' } })
    t.equal(res.statusCode, 503)
    t.match(res.headers['content-type'], /^application\/problem\+json/)
    t.equal(res.headers['retry-after'], '7')
    t.equal(res.headers['x-request-id'], 'overload-1')
    t.match(res.json(), { status: 503, code: 'SERVICE_OVERLOADED', type: '/problems/service-overloaded', request_id: 'overload-1' })
    t.notMatch(res.body, /heap|rss|FST_/i, 'no internals in the body')
    for (const [header, value] of SECURITY_HEADERS) t.equal(res.headers[header], value, `the 503 carries ${header}`)

    for (const url of ['/health/live', '/health/ready', '/metrics']) {
      t.equal((await app.inject({ method: 'GET', url })).statusCode, 200, `${url} is never shed`)
    }
  })

  /** Blocks the event loop in slices until `probe` sees what it waits for. */
  async function blockLoopUntil<T> (probe: () => Promise<T | undefined>, attempts: number): Promise<T | undefined> {
    for (let i = 0; i < attempts; i++) {
      const until = Date.now() + 300
      while (Date.now() < until) { /* busy: nothing else can run */ }
      await new Promise((resolve) => setTimeout(resolve, 15))
      const value = await probe()
      if (value !== undefined) return value
    }
    return undefined
  }

  t.test('event-loop delay over the threshold sheds load too', async (t) => {
    const app = await pressuredApp(t, { maxEventLoopDelayMs: 50 })
    // Past the boot grace period (two samples after ready), block the loop for a while.
    await new Promise((resolve) => setTimeout(resolve, 50))
    const shed = await blockLoopUntil(async () => {
      const res = await app.inject({ method: 'GET', url: '/api/products' })
      return res.statusCode === 503 ? res : undefined
    }, 20)
    if (shed === undefined) throw new Error('a blocked event loop was never detected')
    t.equal(shed.json().code, 'SERVICE_OVERLOADED')
    t.ok(shed.headers['retry-after'])
    t.equal((await app.inject({ method: 'GET', url: '/health/live' })).statusCode, 200)
  })

  t.test('embedded PGlite (queries run on the event loop): loop delay is not treated as overload', async (t) => {
    const app = await pressuredApp(t, {}, { PGLITE_DATA_DIR: 'memory' })
    await new Promise((resolve) => setTimeout(resolve, 50))
    const shed = await blockLoopUntil(async () => {
      const res = await app.inject({ method: 'GET', url: '/api/products' })
      return res.statusCode === 503 ? res : undefined
    }, 5)
    t.equal(shed, undefined, 'never shed for loop delay in embedded mode')
  })

  t.test('the real app registers load shedding, and booting does not count as load', async (t) => {
    const app = await buildTestApp(t)
    t.equal(typeof app.isUnderPressure, 'function')
    t.type(app.memoryUsage().heapUsed, 'number')
    // Boot (schema compilation, migrations, PGlite) blocks the loop; the first requests must not be shed for it.
    for (let i = 0; i < 5; i++) t.equal((await app.inject({ method: 'GET', url: '/help' })).statusCode, 200)
    t.equal((await app.inject({ method: 'GET', url: '/health/live' })).statusCode, 200)
  })

  t.test('expected overload is logged as one line per shed request, no stack, nothing at error level', async (t) => {
    const logs = captureLogs()
    const app = await pressuredApp(t, { maxHeapUsedBytes: 1 }, undefined, logs.stream)
    await waitFor('the first memory sample', async () => app.isUnderPressure() ? true : undefined)
    for (let i = 0; i < 3; i++) {
      const res = await app.inject({ method: 'GET', url: '/api/products', headers: { 'x-request-id': `shed-${i}` } })
      t.equal(res.statusCode, 503)
    }
    const lines = logs.lines()
    t.same(lines.filter((line) => typeof line.level === 'number' && line.level >= 50), [], 'nothing at error level or above')
    t.same(lines.filter((line) => JSON.stringify(line).includes('stack')), [], 'no stack trace anywhere')
    for (let i = 0; i < 3; i++) {
      const about = lines.filter((line) => line.reqId === `shed-${i}` && line.code === 'SERVICE_OVERLOADED')
      t.equal(about.length, 1, `shed-${i}: one line`)
      t.equal(about[0]?.level, 30, 'at info')
    }
    t.equal(lines.filter((line) => line.level === 40 && line.msg === 'overloaded: shedding load with 503').length, 1,
      'one rate-limited warning for the whole episode')
  })
})
