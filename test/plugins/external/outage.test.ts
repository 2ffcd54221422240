import { randomUUID } from 'node:crypto'
import net from 'node:net'
import type { FastifyInstance } from 'fastify'
import { suite } from '../../helpers/suite.js'
import { buildTestApp } from '../../helpers/app.js'
import { createTestDatabase, usingRealPostgres } from '../../helpers/database.js'
import { createTcpProxy, type TcpProxy } from '../../helpers/tcp-proxy.js'
import { createUser } from '../../helpers/users.js'
import { timed, waitFor } from '../../helpers/wait.js'

const PROBLEM = /^application\/problem\+json/
const redisUrl = process.env.REDIS_URL ?? ''

async function insertProduct (app: FastifyInstance): Promise<string> {
  const row = await app.db.insertInto('products')
    .values({ sku: `OUT-${randomUUID()}`, name: 'Outage test product', price_cents: 1000, stock: 3 })
    .returning('id')
    .executeTakeFirstOrThrow()
  return row.id
}

/** A port nothing listens on (bound, then released). */
async function closedPort (): Promise<number> {
  const server = net.createServer()
  await new Promise<void>((resolve) => { server.listen(0, '127.0.0.1', resolve) })
  const address = server.address()
  await new Promise<void>((resolve) => { server.close(() => { resolve() }) })
  if (address === null || typeof address !== 'object') throw new Error('no port')
  return address.port
}

export default suite(import.meta, (t) => {
  t.test('Postgres goes away: readiness and DB-backed requests answer 503 fast; the service recovers by itself', async (t) => {
    if (!usingRealPostgres()) {
    // Embedded mode has no server to lose. Show the "down" half against a Postgres URL where
    // nothing answers (no migrations at boot): readiness and requests 503 at once, nothing hangs.
      const proxy = await createTcpProxy({ port: await closedPort() })
      t.teardown(proxy.close)
      const app = await buildTestApp(t, { databaseEnv: { DATABASE_URL: `postgres://postgres@127.0.0.1:${proxy.port}/goshop`, MIGRATE_ON_START: 'false' } })
      const token = app.jwt.sign({ sub: randomUUID(), role: 'admin', jti: randomUUID() })
      const ready = await timed(async () => await app.inject({ method: 'GET', url: '/health/ready' }))
      t.equal(ready.value.statusCode, 503)
      t.equal(ready.value.json().checks.postgres.status, 'down')
      const res = await timed(async () => await app.inject({ method: 'GET', url: '/api/products', headers: { authorization: `Bearer ${token}` } }))
      t.equal(res.value.statusCode, 503)
      t.match(res.value.headers['content-type'], PROBLEM)
      t.match(res.value.json(), { code: 'SERVICE_UNAVAILABLE', status: 503 })
      t.ok(res.value.headers['retry-after'])
      t.notMatch(res.value.body, /ECONNREFUSED|127\.0\.0\.1|connect/, 'no internals')
      t.comment(`Postgres unreachable: readiness 503 in ${ready.ms} ms, GET /api/products 503 in ${res.ms} ms`)
      return
    }

    const database = await createTestDatabase(t)
    if (database.url === null) throw new Error('expected a Postgres database')
    const target = new URL(database.url)
    const proxy: TcpProxy = await createTcpProxy({ host: target.hostname, port: Number(target.port === '' ? 5432 : target.port) })
    t.teardown(proxy.close)
    const app = await buildTestApp(t, { databaseEnv: { DATABASE_URL: proxy.url(database.url) } })
    const staff = await createUser(app, 'staff')
    const productId = await insertProduct(app)
    const list = async (): Promise<Awaited<ReturnType<FastifyInstance['inject']>>> =>
      await app.inject({ method: 'GET', url: '/api/products', headers: staff.headers })

    t.equal((await app.inject({ method: 'GET', url: '/health/ready' })).statusCode, 200)
    t.equal((await list()).statusCode, 200)

    await proxy.stop()
    const ready = await timed(async () => await app.inject({ method: 'GET', url: '/health/ready' }))
    t.equal(ready.value.statusCode, 503)
    t.equal(ready.value.json().status, 'not_ready')
    t.equal(ready.value.json().checks.postgres.status, 'down')

    for (const [what, request] of [
      ['list', list],
      ['read', async () => await app.inject({ method: 'GET', url: `/api/products/${productId}`, headers: staff.headers })],
      ['write', async () => await app.inject({ method: 'POST', url: '/api/products', headers: staff.headers, payload: { sku: 'DOWN-1', name: 'Written while down', price_cents: 1, stock: 1 } })]
    ] as const) {
      const res = await timed(request)
      t.equal(res.value.statusCode, 503, `${what}: 503 while Postgres is down`)
      t.match(res.value.headers['content-type'], PROBLEM)
      t.match(res.value.json(), { status: 503, code: 'SERVICE_UNAVAILABLE', type: '/problems/service-unavailable' })
      t.ok(res.value.headers['retry-after'], 'Retry-After')
      t.notMatch(res.value.body, /ECONNREFUSED|terminated|127\.0\.0\.1/, 'no internals')
      t.comment(`Postgres down: ${what} answered 503 in ${res.ms} ms`)
    }
    t.comment(`Postgres down: readiness answered 503 in ${ready.ms} ms`)
    t.equal((await app.inject({ method: 'GET', url: '/health/live' })).statusCode, 200, 'still alive: no restart needed')

    await proxy.start()
    const recovery = await timed(async () => await waitFor('readiness to recover', async () =>
      (await app.inject({ method: 'GET', url: '/health/ready' })).statusCode === 200 ? true : undefined))
    t.comment(`readiness back to 200 ${recovery.ms} ms after Postgres returned`)
    const after = await list()
    t.equal(after.statusCode, 200, 'requests work again without a restart')
    t.ok(after.json().data.some((p: { id: string }) => p.id === productId))
    const created = await app.inject({ method: 'POST', url: '/api/products', headers: staff.headers, payload: { sku: 'UP-1', name: 'Written after recovery', price_cents: 1, stock: 1 } })
    t.equal(created.statusCode, 201)
    const down = await app.db.selectFrom('products').select('id').where('sku', '=', 'DOWN-1').execute()
    t.same(down, [], 'nothing from the outage was half-written')
  })

  t.test('Postgres stalls (connection open, no answers): readiness says so within its probe timeout', async (t) => {
    if (!usingRealPostgres()) {
    // Embedded PGlite runs in-process: it cannot stall independently. Readiness reports it up.
      const app = await buildTestApp(t)
      const res = await app.inject({ method: 'GET', url: '/health/ready' })
      t.equal(res.json().checks.postgres.status, 'up')
      return
    }
    const database = await createTestDatabase(t)
    if (database.url === null) throw new Error('expected a Postgres database')
    const target = new URL(database.url)
    const proxy = await createTcpProxy({ host: target.hostname, port: Number(target.port === '' ? 5432 : target.port) })
    t.teardown(proxy.close)
    const app = await buildTestApp(t, { databaseEnv: { DATABASE_URL: proxy.url(database.url) } })
    t.equal((await app.inject({ method: 'GET', url: '/health/ready' })).statusCode, 200)
    proxy.pause()
    const ready = await timed(async () => await app.inject({ method: 'GET', url: '/health/ready' }))
    t.equal(ready.value.statusCode, 503)
    t.equal(ready.value.json().checks.postgres.status, 'down')
    t.comment(`Postgres stalled: readiness 503 in ${ready.ms} ms`)
    proxy.resume()
    await waitFor('readiness to recover', async () =>
      (await app.inject({ method: 'GET', url: '/health/ready' })).statusCode === 200 ? true : undefined)
    t.pass('ready again once Postgres answers')
  })

  t.test('Redis goes away: readiness is 503 with redis down (SPEC §4) while the API keeps serving', async (t) => {
    if (redisUrl === '') {
      const app = await buildTestApp(t)
      const staff = await createUser(app, 'staff')
      const ready = await app.inject({ method: 'GET', url: '/health/ready' })
      t.equal(ready.statusCode, 200, 'no Redis configured: the embedded store is always there')
      t.equal(ready.json().checks.redis.status, 'embedded')
      t.equal((await app.inject({ method: 'GET', url: '/api/products', headers: staff.headers })).statusCode, 200)
      return
    }
    const target = new URL(redisUrl)
    const proxy = await createTcpProxy({ host: target.hostname, port: Number(target.port === '' ? 6379 : target.port) })
    t.teardown(proxy.close)
    const app = await buildTestApp(t, { env: { REDIS_URL: proxy.url(redisUrl) } })
    const staff = await createUser(app, 'staff')
    await insertProduct(app)

    await proxy.stop()
    // The client learns of the closed connection asynchronously (the proxy's FIN).
    const ready = await waitFor('readiness to see Redis down', async () => {
      const res = await app.inject({ method: 'GET', url: '/health/ready' })
      return res.statusCode === 503 ? res : undefined
    })
    t.equal(ready.statusCode, 503, 'a configured Redis that is down takes the replica out of rotation')
    t.equal(ready.json().status, 'not_ready')
    t.equal(ready.json().checks.redis.status, 'down')
    t.equal(ready.json().checks.postgres.status, 'up')
    for (let i = 0; i < 5; i++) {
      const res = await app.inject({ method: 'GET', url: '/api/products', headers: staff.headers })
      t.equal(res.statusCode, 200, 'served: rate limiting fails open')
      t.equal(res.json().data.length, 1)
    }
    const created = await app.inject({ method: 'POST', url: '/api/products', headers: staff.headers, payload: { sku: 'REDIS-DOWN', name: 'Made without Redis', price_cents: 5, stock: 1 } })
    t.equal(created.statusCode, 201, 'writes too')

    await proxy.start()
    const recovery = await timed(async () => await waitFor('Redis to reconnect', async () =>
      (await app.inject({ method: 'GET', url: '/health/ready' })).json().checks.redis.status === 'up' ? true : undefined))
    t.comment(`Redis back: readiness shows it up after ${recovery.ms} ms`)
  })
})
