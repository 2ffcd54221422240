import { suite } from '../../helpers/suite.js'
import { buildTestApp } from '../../helpers/app.js'
import { captureLogs } from '../../helpers/log-capture.js'
import { listOperations } from '../../helpers/openapi.js'
import { createTcpProxy } from '../../helpers/tcp-proxy.js'
import { timed, waitFor } from '../../helpers/wait.js'

const PROBLEM = /^application\/problem\+json/
const redisUrl = process.env.REDIS_URL ?? ''
const usingRedis = redisUrl !== ''

export default suite(import.meta, (t) => {
  t.test('RateLimit-* headers on limited routes, then a 429 problem with Retry-After', async (t) => {
    const app = await buildTestApp(t, { env: { RATE_LIMIT_MAX: '3', RATE_LIMIT_WINDOW: '60' } })
    for (const remaining of ['2', '1', '0']) {
      const res = await app.inject({ method: 'GET', url: '/help' })
      t.equal(res.statusCode, 200)
      t.equal(res.headers['ratelimit-limit'], '3')
      t.equal(res.headers['ratelimit-remaining'], remaining)
      t.match(res.headers['ratelimit-reset'], /^[0-9]+$/)
      t.notOk(res.headers['x-ratelimit-limit'], 'draft-spec names only')
    }
    const res = await app.inject({ method: 'GET', url: '/help' })
    t.equal(res.statusCode, 429)
    t.match(res.headers['content-type'], PROBLEM)
    t.match(res.json(), { status: 429, code: 'RATE_LIMITED', type: '/problems/rate-limited', instance: '/help' })
    t.equal(res.json().detail, `Too many requests: the limit is 3 per 60 seconds; retry in ${String(res.headers['retry-after'])} s`, 'the window, then the time left in it')
    t.ok(Number(res.headers['retry-after']) >= 1, 'Retry-After in seconds')
    t.ok(Number(res.headers['retry-after']) <= 60)
    t.equal(res.headers['ratelimit-remaining'], '0')
    t.ok(res.headers['x-request-id'], 'the 429 carries the request id')
  })

  t.test('concurrent requests each get their own count: exactly the budget passes, no count is shared or lost', async (t) => {
    const app = await buildTestApp(t, { env: { RATE_LIMIT_MAX: '5', RATE_LIMIT_WINDOW: '60' } })
    // Fired together, these reach the store in the same event-loop turn (one batch for Redis).
    const responses = await Promise.all(Array.from({ length: 8 }, async () => await app.inject({ method: 'GET', url: '/help' })))
    const passed = responses.filter((res) => res.statusCode === 200)
    t.equal(passed.length, 5, 'the budget of 5 is served')
    t.equal(responses.filter((res) => res.statusCode === 429).length, 3, 'the rest is refused')
    t.same(passed.map((res) => res.headers['ratelimit-remaining']).sort(), ['0', '1', '2', '3', '4'], 'every served request saw a distinct count')
    t.equal((await app.inject({ method: 'GET', url: '/help' })).statusCode, 429, 'and the count stays spent')
  })

  t.test('a Redis that forgot the limiter script (restart, SCRIPT FLUSH) still counts every request', async (t) => {
    const app = await buildTestApp(t, { env: { RATE_LIMIT_MAX: '3', RATE_LIMIT_WINDOW: '60' } })
    const statuses: number[] = []
    for (let i = 0; i < 4; i++) {
    // Through the shared store, each request runs the script after its cache was emptied.
      await app.redis?.script('FLUSH')
      statuses.push((await app.inject({ method: 'GET', url: '/help' })).statusCode)
    }
    t.same(statuses, [200, 200, 200, 429], 'the budget of 3 holds')
  })

  t.test('probes and metrics are never rate limited', async (t) => {
    const app = await buildTestApp(t, { env: { RATE_LIMIT_MAX: '1' } })
    await app.inject({ method: 'GET', url: '/help' })
    t.equal((await app.inject({ method: 'GET', url: '/help' })).statusCode, 429, 'budget spent')
    for (const url of ['/health/live', '/health/ready', '/metrics']) {
      for (let i = 0; i < 3; i++) {
        const res = await app.inject({ method: 'GET', url })
        t.equal(res.statusCode, 200, `${url} still answers`)
        t.notOk(res.headers['ratelimit-limit'], `${url} is not counted`)
      }
    }
  })

  t.test('unauthenticated floods on protected routes are counted (limit runs before auth)', async (t) => {
    const app = await buildTestApp(t, { env: { RATE_LIMIT_MAX: '4' } })
    const protectedOps = (await listOperations(app)).filter((op) => op.secured && op.method === 'GET' && op.pathParams.length === 0)
    const op = protectedOps[0]
    if (op === undefined) throw new Error('the OpenAPI document lists no protected GET operation')
    t.comment(`flooding ${op.method} ${op.path} without a valid token`)
    // GET /swagger/json above was counted too: read the remaining budget from the first answer.
    const garbage = [{}, { authorization: 'Bearer not-a-jwt' }, { authorization: 'Basic Zm9vOmJhcg==' }]
    let expected: number | undefined
    for (let i = 0; i < 50; i++) {
      const res = await app.inject({ method: op.method, url: op.path, headers: garbage[i % garbage.length] })
      t.equal(res.statusCode, 401, 'rejected by auth')
      t.match(res.headers['content-type'], PROBLEM)
      const remaining = Number(res.headers['ratelimit-remaining'])
      if (expected !== undefined) t.equal(remaining, expected, 'and counted by the limiter first')
      if (remaining === 0) break
      expected = remaining - 1
    }
    const res = await app.inject({ method: op.method, url: op.path })
    t.equal(res.statusCode, 429, 'the flood is cut off before authentication runs')
    t.equal(res.json().code, 'RATE_LIMITED')
  })

  t.test('Redis stalled or down: the limiter falls back to this replica\'s count with a warning, never a 5xx, and recovers', async (t) => {
    if (!usingRedis) {
    // No Redis configured: the in-process store is the limiter and there is nothing to fail open.
      const app = await buildTestApp(t, { env: { RATE_LIMIT_MAX: '2' } })
      const ready = await app.inject({ method: 'GET', url: '/health/ready' })
      t.equal(ready.json().checks.redis.status, 'embedded')
      const statuses = []
      for (let i = 0; i < 3; i++) statuses.push((await app.inject({ method: 'GET', url: '/help' })).statusCode)
      t.same(statuses, [200, 200, 429], 'the in-process limiter enforces the budget without Redis')
      return
    }

    const target = new URL(redisUrl)
    const proxy = await createTcpProxy({ host: target.hostname, port: Number(target.port === '' ? 6379 : target.port) })
    t.teardown(proxy.close)
    const logs = captureLogs()
    const app = await buildTestApp(t, { env: { RATE_LIMIT_MAX: '5', REDIS_URL: proxy.url(redisUrl), LOG_LEVEL: 'warn', REDIS_COMMAND_TIMEOUT_MS: '200' }, logStream: logs.stream })
    const help = async (): Promise<{ statusCode: number, headers: Record<string, unknown> }> => await app.inject({ method: 'GET', url: '/help' })

    t.equal((await help()).headers['ratelimit-remaining'], '4')
    t.equal((await help()).headers['ratelimit-remaining'], '3')

    // Stalled: the connection is up but Redis does not answer.
    proxy.pause()
    const stalled = await timed(help)
    t.equal(stalled.value.statusCode, 200, 'a stalled Redis does not hang the request')
    t.equal(stalled.value.headers['ratelimit-remaining'], '4', 'counted by this replica instead: its first request')
    t.comment(`request with Redis stalled answered in ${stalled.ms} ms`)
    proxy.resume()
    // The stalled increment reaches Redis once it answers again: 3 counted so far, this is the 4th.
    t.equal((await help()).headers['ratelimit-remaining'], '1', 'counting again once Redis answers')

    // Down: connections reset, new ones refused.
    await proxy.stop()
    const during = await timed(async () => {
      const statuses = []
      for (let i = 0; i < 6; i++) statuses.push((await help()).statusCode)
      return statuses
    })
    t.same(during.value, [200, 200, 200, 200, 429, 429], 'limited by this replica\'s own count (the stalled request was its 1st): no 500')
    t.comment(`6 requests with Redis down took ${during.ms} ms in total`)
    const warning = logs.lines().find((line) => typeof line.msg === 'string' && line.msg.startsWith('rate limit store unavailable'))
    t.ok(warning, 'a warning is logged')
    t.equal(warning?.level, 40, 'at warn level')
    // SPEC §4: the requests above were served, but a configured Redis without a connection takes the replica out of rotation.
    const ready = await app.inject({ method: 'GET', url: '/health/ready' })
    t.equal(ready.statusCode, 503, 'not ready while Redis has no connection')
    t.equal(ready.json().checks.redis.status, 'down')
    t.equal(ready.json().checks.postgres.status, 'up')

    await proxy.start()
    const recovery = await timed(async () => await waitFor('Redis to reconnect', async () =>
      (await app.inject({ method: 'GET', url: '/health/ready' })).json().checks.redis.status === 'up' ? true : undefined))
    t.comment(`readiness shows Redis up ${recovery.ms} ms after it returned`)
    const after = [await help(), await help()]
    t.same(after.map((res) => res.statusCode), [200, 429], 'the shared count kept in Redis is enforced again')
  })
})
