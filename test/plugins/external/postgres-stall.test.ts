import { setTimeout as sleep } from 'node:timers/promises'
import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import pg from 'pg'
import { silentSocketMs } from '../../../db/connect.js'
import { withDeadline } from '../../../lib/deadline.js'
import { suite } from '../../helpers/suite.js'
import { createTestDatabase, usingRealPostgres, type TestContext } from '../../helpers/database.js'
import { captureLogs } from '../../helpers/log-capture.js'
import { createTcpProxy, type TcpProxy } from '../../helpers/tcp-proxy.js'
import { createUser, type TestUser } from '../../helpers/users.js'
import { timed, waitFor } from '../../helpers/wait.js'
import { buildOrdersApp, countRows, insertProduct, postOrder, stockOf } from '../../routes/orders/fixtures/orders.js'

const PROBLEM = /^application\/problem\+json/
/** Far beyond the deadlines under test: a request still unanswered by then is hung. */
const HUNG_MS = 30_000

const postgresPort = (url: URL): number => Number(url.port === '' ? 5432 : url.port)

/** A test database on the real server, reached through a proxy the test can stop, pause and resume. */
async function databaseBehindProxy (t: TestContext): Promise<{ proxy: TcpProxy, databaseEnv: Record<string, string> }> {
  const database = await createTestDatabase(t)
  if (database.url === null) throw new Error('expected a Postgres database')
  const target = new URL(database.url)
  const proxy = await createTcpProxy({ host: target.hostname, port: postgresPort(target) })
  t.teardown(proxy.close)
  return { proxy, databaseEnv: { DATABASE_URL: proxy.url(database.url) } }
}

/** Places the order under `key`, retrying with the same key on any failure, as a careful client does. */
async function placeUntilAcknowledged (app: FastifyInstance, user: TestUser, productId: string, key: string, failures: { count: number }): Promise<string> {
  for (let attempt = 0; attempt < 300; attempt++) {
    const res = await postOrder(app, user, { items: [{ product_id: productId, quantity: 1 }] }, { 'idempotency-key': key })
    if (res.statusCode === 201) return res.json().id
    failures.count++
    await sleep(50)
  }
  throw new Error(`order ${key} never acknowledged`)
}

export default suite(import.meta, (t) => {
  t.test('Postgres stuck (a lock holds every pool connection): fast 503 problems with Retry-After; probes and metrics stay fast', async (t) => {
    if (!usingRealPostgres()) {
      // Embedded PGlite has no pool and no server to get stuck apart from the process: the
      // settings are accepted and change nothing.
      const app = await buildOrdersApp(t, { env: { DB_ACQUIRE_TIMEOUT_MS: '300', DB_STATEMENT_TIMEOUT_MS: '1500' } })
      const staff = await createUser(app, 'staff')
      t.equal((await app.inject({ method: 'GET', url: '/api/products', headers: staff.headers })).statusCode, 200)
      t.equal(app.dbHandle.pool, null, 'no pool in embedded mode')
      return
    }
    const database = await createTestDatabase(t)
    if (database.url === null) throw new Error('expected a Postgres database')
    const app = await buildOrdersApp(t, { databaseEnv: database.env, env: { DB_POOL_MAX: '2', DB_ACQUIRE_TIMEOUT_MS: '300', DB_STATEMENT_TIMEOUT_MS: '1500' } })
    const staff = await createUser(app, 'staff')
    await insertProduct(app)
    const list = async (): Promise<LightMyRequestResponse> => await app.inject({ method: 'GET', url: '/api/products', headers: staff.headers })
    t.equal((await list()).statusCode, 200)

    // Another session takes the products table and keeps it: every read of it waits on the lock.
    const locker = new pg.Client({ connectionString: database.url })
    await locker.connect()
    t.teardown(async () => { await locker.end() })
    await locker.query('BEGIN')
    await locker.query('LOCK TABLE products IN ACCESS EXCLUSIVE MODE')

    // 2 requests take both pool connections and wait on the lock (statement_timeout); the
    // others wait for a connection (acquire timeout).
    const stuck = timed(async () => await withDeadline(Promise.all(Array.from({ length: 6 }, list)), HUNG_MS))
    const live = await timed(async () => await app.inject({ method: 'GET', url: '/health/live' }))
    const metrics = await timed(async () => await app.inject({ method: 'GET', url: '/metrics' }))
    t.equal(live.value.statusCode, 200, '/health/live answers while Postgres is stuck')
    t.equal(metrics.value.statusCode, 200, '/metrics answers while Postgres is stuck')

    const answered = await stuck
    for (const res of answered.value) {
      t.equal(res.statusCode, 503)
      t.match(res.headers['content-type'], PROBLEM)
      t.match(res.json(), { status: 503, code: 'SERVICE_UNAVAILABLE' })
      t.ok(Number(res.headers['retry-after']) >= 1, 'Retry-After')
    }
    t.comment(`Postgres stuck: 6 requests answered 503 in ${answered.ms} ms; /health/live in ${live.ms} ms, /metrics in ${metrics.ms} ms`)

    await locker.query('ROLLBACK')
    t.equal((await list()).statusCode, 200, 'served again as soon as the lock is gone')
  })

  t.test('Postgres down or frozen: /metrics still serves every metric, the outbox gauges at their last value', async (t) => {
    if (!usingRealPostgres()) {
      const app = await buildOrdersApp(t)
      t.match((await app.inject({ method: 'GET', url: '/metrics' })).body, /^webhook_outbox_backlog 0$/m, 'embedded: read from the in-process database')
      return
    }
    const { proxy, databaseEnv } = await databaseBehindProxy(t)
    const app = await buildOrdersApp(t, { databaseEnv, env: { WEBHOOK_WORKER: 'false' } })
    t.match((await app.inject({ method: 'GET', url: '/metrics' })).body, /^webhook_outbox_backlog 0$/m)
    for (const [what, cut, restore] of [['refused', proxy.stop, proxy.start], ['frozen', proxy.pause, proxy.resume]] as const) {
      await cut()
      const scrape = await withDeadline(app.inject({ method: 'GET', url: '/metrics' }), HUNG_MS)
      t.equal(scrape.statusCode, 200, `${what}: the scrape answers`)
      t.match(scrape.body, /^process_cpu_user_seconds_total /m, `${what}: process metrics`)
      t.match(scrape.body, /^webhook_outbox_backlog 0$/m, `${what}: the backlog at its last value`)
      await restore()
    }
  })

  t.test('Postgres frozen on a connection already open: a 503 once it has been silent for the statement timeout plus 1 s, then served again', async (t) => {
    if (!usingRealPostgres()) {
      t.equal(silentSocketMs(1500), 2500, 'embedded PGlite has no socket to fall silent; the bound a real pool gets')
      return
    }
    const { proxy, databaseEnv } = await databaseBehindProxy(t)
    const logs = captureLogs()
    const app = await buildOrdersApp(t, {
      databaseEnv,
      env: { DB_POOL_MAX: '1', DB_STATEMENT_TIMEOUT_MS: '1500', WEBHOOK_WORKER: 'false', LOG_LEVEL: 'info' },
      logStream: logs.stream
    })
    const staff = await createUser(app, 'staff')
    const list = async (): Promise<LightMyRequestResponse> => await app.inject({ method: 'GET', url: '/api/products', headers: staff.headers })
    t.equal((await list()).statusCode, 200, 'the pool holds an open connection')

    // The server freezes: the connection stays open and nothing comes back (a statement_timeout needs a live server).
    proxy.pause()
    const frozen = await withDeadline(list(), HUNG_MS)
    t.equal(frozen.statusCode, 503)
    t.match(frozen.json(), { status: 503, code: 'SERVICE_UNAVAILABLE' })
    t.ok(Number(frozen.headers['retry-after']) >= 1, 'Retry-After')
    const silence = logs.lines().map((line) => JSON.stringify(line)).find((line) => line.includes('Postgres sent nothing for'))
    t.match(silence, /Postgres sent nothing for 2500 ms/, 'the connection was dropped after the statement timeout plus 1 s of silence (the pool\'s idle timeout plays no part)')

    proxy.resume()
    t.equal((await list()).statusCode, 200, 'served again on a new connection')
  })

  t.test('Postgres restarted under load: every order acknowledged exactly once, stock exact', async (t) => {
    if (!usingRealPostgres()) {
      t.comment('embedded PGlite runs in the process: there is no server to restart')
      t.pass('nothing to restart in embedded mode')
      return
    }
    // The shared server is never restarted: a proxy in front of it drops every connection and refuses new ones for a while.
    const { proxy, databaseEnv } = await databaseBehindProxy(t)
    const app = await buildOrdersApp(t, { databaseEnv })
    const customer = await createUser(app, 'customer')
    const product = await insertProduct(app, { stock: 1000 })

    const failures = { count: 0 }
    const acknowledged = new Map<string, string>()
    const clients = Promise.all(Array.from({ length: 8 }, async (_, client) => {
      for (let i = 0; i < 8; i++) {
        const key = `restart-${client}-${i}`
        acknowledged.set(key, await placeUntilAcknowledged(app, customer, product.id, key, failures))
      }
    }))
    await waitFor('the load to be under way', async () => acknowledged.size >= 16 ? true : undefined, { intervalMs: 5 })
    await proxy.stop()
    await sleep(500)
    await proxy.start()
    await withDeadline(clients, 120_000)

    t.ok(failures.count > 0, `the restart failed requests (${failures.count}), which were retried`)
    t.equal(acknowledged.size, 64, 'every order acknowledged')
    t.equal(new Set(acknowledged.values()).size, 64, 'each under its own order id')
    t.equal(await countRows(app, 'orders'), 64, 'the database holds exactly the acknowledged orders')
    const ids = (await app.db.selectFrom('orders').select('id').execute()).map((row) => row.id).sort()
    t.same(ids, [...acknowledged.values()].sort())
    t.equal(await stockOf(app, product.id), 1000 - 64, 'stock is exact')
  })
})
