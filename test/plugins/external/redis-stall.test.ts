import { randomUUID } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import type { Test } from 'tap'
import { suite } from '../../helpers/suite.js'
import { buildTestApp } from '../../helpers/app.js'
import { login } from '../../helpers/auth-flow.js'
import { captureLogs, type CapturedLogs } from '../../helpers/log-capture.js'
import { startPrivateRedis } from '../../helpers/redis-server.js'
import { createTcpProxy } from '../../helpers/tcp-proxy.js'
import { createUser } from '../../helpers/users.js'
import { waitFor } from '../../helpers/wait.js'
import { buildOrdersApp, countRows, insertProduct, postOrder, settled, stockOf } from '../../routes/orders/fixtures/orders.js'

/**
 * Every request made during the stall must be answered before it ends: a request that waited for
 * Redis would take the whole pause. Long, so a slow machine never fails the test (the test does
 * not wait for it: killing the server ends it).
 */
const PAUSE_MS = 120_000

/** Short deadline and cool-down, so the breaker's whole cycle happens within a test. */
const guardEnv = (redisUrl: string, prefix: string, extra: Record<string, string> = {}): Record<string, string> => ({
  REDIS_URL: redisUrl,
  REDIS_KEY_PREFIX: prefix,
  REDIS_COMMAND_TIMEOUT_MS: '50',
  REDIS_BREAKER_FAILURES: '3',
  REDIS_BREAKER_COOLDOWN_MS: '200',
  ...extra
})

/** The value of one sample on /metrics ('name' or 'name{labels}'), undefined when absent. */
async function sample (app: FastifyInstance, series: string): Promise<number | undefined> {
  const body = (await app.inject({ method: 'GET', url: '/metrics' })).body
  const line = body.split('\n').find((l) => l.startsWith(`${series} `))
  return line === undefined ? undefined : Number(line.slice(series.length + 1))
}

const help = async (app: FastifyInstance): Promise<{ statusCode: number, headers: Record<string, unknown> }> =>
  await app.inject({ method: 'GET', url: '/help' })

const redisStatus = async (app: FastifyInstance): Promise<{ code: number, redis: string }> => {
  const res = await app.inject({ method: 'GET', url: '/health/ready' })
  return { code: res.statusCode, redis: res.json().checks.redis.status }
}

const linesStarting = (logs: CapturedLogs, prefix: string): Array<Record<string, unknown>> =>
  logs.lines().filter((line) => typeof line.msg === 'string' && line.msg.startsWith(prefix))

/**
 * Until a request is counted in Redis within the (short) deadline: the first calls of a new
 * client can miss it on a busy machine (connection, script load), and would fail open.
 */
async function warmUp (app: FastifyInstance): Promise<void> {
  await waitFor('a request counted in Redis', async () => {
    const before = await sample(app, 'redis_fail_open_total{user="rate_limit"}') ?? 0
    // No RateLimit headers: shed before the limiter (under-pressure, while another app boots in this process).
    const counted = (await help(app)).headers['ratelimit-remaining'] !== undefined
    return counted && (await sample(app, 'redis_fail_open_total{user="rate_limit"}') ?? 0) === before && app.redisGuard?.breaker.state === 'closed' ? true : undefined
  })
}

async function waitForRedisUp (app: FastifyInstance): Promise<void> {
  await waitFor('readiness to show Redis up', async () => (await redisStatus(app)).redis === 'up' ? true : undefined)
}

/** Two apps sharing one Redis count: a request on `b` takes one from what `a` sees remaining. */
async function assertSharedCount (t: Test, a: FastifyInstance, b: FastifyInstance): Promise<void> {
  await warmUp(a)
  await warmUp(b)
  const first = await help(a)
  await help(b)
  const third = await help(a)
  t.equal(Number(third.headers['ratelimit-remaining']), Number(first.headers['ratelimit-remaining']) - 2,
    `both replicas count against the one shared budget again (${first.statusCode}, ${third.statusCode})`)
}

export default suite(import.meta, (t) => {
  t.test('Redis stalled (CLIENT PAUSE ALL): orders, reads and logins flow on per-replica limits; after a restart shared limits resume', async (t) => {
    const redis = await startPrivateRedis(t)
    const logs = captureLogs()
    const prefix = `goshop:stall:${randomUUID()}:`
    const app = await buildOrdersApp(t, { env: guardEnv(redis.url, prefix, { RATE_LIMIT_MAX: '1000', LOG_LEVEL: 'info' }), logStream: logs.stream })
    const customer = await createUser(app, 'customer')
    const product = await insertProduct(app, { stock: 1000 })
    await warmUp(app)

    await redis.pause(PAUSE_MS)
    const pausedAt = Date.now()
    const placed = new Map<string, string>()
    const statuses: number[] = []
    // 8 clients, each placing orders with an Idempotency-Key (retried with the same key on failure) and reading them back.
    await Promise.all(Array.from({ length: 8 }, async (_, client) => {
      for (let i = 0; i < 4; i++) {
        const key = `stall-${client}-${i}`
        let res = await postOrder(app, customer, { items: [{ product_id: product.id, quantity: 1 }] }, { 'idempotency-key': key })
        for (let retry = 0; retry < 3 && res.statusCode !== 201; retry++) {
          res = await postOrder(app, customer, { items: [{ product_id: product.id, quantity: 1 }] }, { 'idempotency-key': key })
        }
        statuses.push(res.statusCode)
        if (res.statusCode === 201) placed.set(key, res.json().id)
        const read = await app.inject({ method: 'GET', url: `/api/orders/${String(res.json().id)}`, headers: customer.headers })
        statuses.push(read.statusCode)
      }
    }))
    // The login throttle's store falls back too: failures are counted in this replica.
    const logins: number[] = []
    for (let i = 0; i < 6; i++) logins.push((await login(app, 'nobody@example.com', `guess-${i}`, '203.0.113.9')).statusCode)
    const ready = await redisStatus(app)
    const elapsed = Date.now() - pausedAt

    t.ok(elapsed < PAUSE_MS, `every request was answered while Redis was still paused (${elapsed} ms into a ${PAUSE_MS} ms pause)`)
    t.ok(statuses.every((s) => s === 201 || s === 200), 'every order placed and read, none failed')
    t.equal(placed.size, 32)
    t.same(logins, [401, 401, 401, 401, 401, 429], 'failed logins still throttled (per replica) without Redis')
    t.same(ready, { code: 200, redis: 'degraded' }, 'readiness: still ready, Redis degraded')
    t.ok((await sample(app, 'redis_fail_open_total{user="rate_limit"}') ?? 0) > 0, 'rate-limit fail-opens counted')
    t.ok((await sample(app, 'redis_fail_open_total{user="store"}') ?? 0) > 0, 'login throttle fail-opens counted')
    t.not(await sample(app, 'redis_breaker_state'), 0, 'breaker not closed')
    t.equal(linesStarting(logs, 'Redis breaker open').length, 1, 'one log line for the change of state, not one per request')
    t.comment(`during the stall: 32 orders + 32 reads + 6 logins in ${elapsed} ms`)

    // Redis comes back as a restarted, empty server (SIGKILL ends the pause too).
    await redis.kill()
    await redis.start()
    await waitForRedisUp(app)
    t.equal(await sample(app, 'redis_breaker_state'), 0, 'breaker closed again by itself')
    t.equal(linesStarting(logs, 'Redis breaker closed').length, 1, 'one log line when Redis is used again')
    // Booting another app blocks this process's event loop for a moment: wait until neither sheds load.
    const replica = await settled(await buildTestApp(t, { env: guardEnv(redis.url, prefix, { RATE_LIMIT_MAX: '1000' }) }))
    await settled(app)
    await assertSharedCount(t, app, replica)

    // Nothing lost or doubled: every key replays its one order; stock accounts for exactly those.
    for (const [key, id] of placed) {
      const again = await postOrder(app, customer, { items: [{ product_id: product.id, quantity: 1 }] }, { 'idempotency-key': key })
      if (again.statusCode !== 201 || again.json().id !== id) t.fail(`key ${key} did not replay its order: ${again.statusCode} ${again.body.slice(0, 300)}`)
    }
    t.equal(await countRows(app, 'orders'), 32, 'one order per key')
    t.equal(await stockOf(app, product.id), 1000 - 32, 'stock is exact')
  })

  t.test('Redis black-holed (connection open, nothing answers): per-replica limits hold, then shared limits resume', async (t) => {
    const redis = await startPrivateRedis(t)
    const proxy = await createTcpProxy({ port: redis.port })
    t.teardown(proxy.close)
    const logs = captureLogs()
    const prefix = `goshop:hole:${randomUUID()}:`
    const app = await buildTestApp(t, { env: guardEnv(proxy.url(redis.url), prefix, { RATE_LIMIT_MAX: '5', LOG_LEVEL: 'info' }), logStream: logs.stream })
    await warmUp(app)
    t.equal((await help(app)).statusCode, 200)

    proxy.pause()
    const during: number[] = []
    for (let i = 0; i < 6; i++) during.push((await help(app)).statusCode)
    const served = during.indexOf(429)
    t.ok(served > 0 && during.slice(served).every((s) => s === 429), `this replica's own budget of 5 is enforced while Redis is away: ${during.join(' ')}`)
    t.ok(during.every((s) => s === 200 || s === 429), 'nothing else: no 5xx')
    t.same(await redisStatus(app), { code: 200, redis: 'degraded' })
    t.ok(proxy.heldChunks > 0, 'Redis really was called, and never answered')

    proxy.resume()
    await waitForRedisUp(app)
    t.equal(linesStarting(logs, 'Redis answered on a new connection').length, 0, 'a Redis silent on every connection keeps the app\'s connection (not replaced)')
    const replica = await settled(await buildTestApp(t, { env: guardEnv(proxy.url(redis.url), prefix, { RATE_LIMIT_MAX: '1000' }) }))
    await settled(app)
    await assertSharedCount(t, replica, app)
  })

  t.test('the app\'s connection dead while Redis answers (its peer vanished): replaced, and shared limits resume', async (t) => {
    const redis = await startPrivateRedis(t)
    const proxy = await createTcpProxy({ port: redis.port })
    t.teardown(proxy.close)
    const logs = captureLogs()
    const prefix = `goshop:dead:${randomUUID()}:`
    const app = await buildTestApp(t, { env: guardEnv(proxy.url(redis.url), prefix, { RATE_LIMIT_MAX: '1000', LOG_LEVEL: 'info' }), logStream: logs.stream })
    await warmUp(app)

    proxy.dropLive()
    const served: number[] = []
    // Until then, every probe of the breaker goes down the dead connection and fails.
    await waitFor('the dead connection to be replaced and Redis used again', async () => {
      served.push((await help(app)).statusCode)
      return app.redisGuard?.breaker.state === 'closed' && (await redisStatus(app)).redis === 'up' ? true : undefined
    })
    t.ok(served.every((s) => s === 200), 'every request answered meanwhile')
    t.equal(linesStarting(logs, 'Redis answered on a new connection').length, 1, 'one warning names the replaced connection')
    t.same(await redisStatus(app), { code: 200, redis: 'up' })
    const replica = await settled(await buildTestApp(t, { env: guardEnv(proxy.url(redis.url), prefix, { RATE_LIMIT_MAX: '1000' }) }))
    await settled(app)
    await assertSharedCount(t, app, replica)
  })

  t.test('while the breaker is open, requests send nothing to Redis', async (t) => {
    const redis = await startPrivateRedis(t)
    const proxy = await createTcpProxy({ port: redis.port })
    t.teardown(proxy.close)
    const logs = captureLogs()
    const app = await buildTestApp(t, { env: guardEnv(proxy.url(redis.url), `goshop:open:${randomUUID()}:`, { REDIS_BREAKER_FAILURES: '1', REDIS_BREAKER_COOLDOWN_MS: '600000', LOG_LEVEL: 'debug' }), logStream: logs.stream })
    proxy.pause()
    t.equal((await help(app)).statusCode, 200, 'the request that finds Redis stalled is answered')
    t.equal(app.redisGuard?.breaker.state, 'open')
    // The breaker's opening checks the connection once (a PING on it and on a new one): not a request's doing.
    const [check] = await waitFor('the connection check', async () => {
      const lines = linesStarting(logs, 'Redis connection check')
      return lines.length > 0 ? lines : undefined
    })
    t.same(check?.check, { clientAnswered: false, newConnectionAnswered: false, replaced: false }, 'a stalled Redis: the connection is kept')
    const held = proxy.heldChunks
    for (let i = 0; i < 20; i++) t.equal((await help(app)).statusCode, 200)
    t.same(await redisStatus(app), { code: 200, redis: 'degraded' })
    t.equal(proxy.heldChunks, held, 'no further command reached the proxy')
    t.equal(await sample(app, 'redis_fail_open_total{user="rate_limit"}'), 21, 'each request counted as a fail-open')
    t.equal(await sample(app, 'redis_breaker_state'), 2)
  })
})
