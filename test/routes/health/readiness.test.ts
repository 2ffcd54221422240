import { sql } from 'kysely'
import { suite } from '../../helpers/suite.js'
import { buildApp } from '../../../app.js'
import { loadConfig } from '../../../lib/config.js'
import { testAppOptions, testEnv } from '../../helpers/app.js'
import { captureLogs } from '../../helpers/log-capture.js'

export default suite(import.meta, (t) => {
  t.test('readiness is 503 with postgres down when the database is unreachable; why is logged, not shown', async (t) => {
  // Nothing listens on port 1: connections are refused at once.
    const env = await testEnv(t, { databaseEnv: { DATABASE_URL: 'postgres://postgres@127.0.0.1:1/none' }, env: { MIGRATE_ON_START: 'false', LOG_LEVEL: 'warn' } })
    const logs = captureLogs()
    const app = await buildApp({ config: loadConfig(env), logStream: logs.stream })
    t.teardown(async () => { await app.close() })
    await app.ready()

    const res = await app.inject({ method: 'GET', url: '/health/ready' })
    t.equal(res.statusCode, 503)
    const body = res.json()
    t.equal(body.status, 'not_ready')
    t.equal(body.checks.postgres.status, 'down', 'the body names the failing dependency and its status')
    t.same(Object.keys(body.checks.postgres).sort(), ['latency_ms', 'status'], 'and nothing else')
    t.notMatch(res.body, /ECONNREFUSED|127\.0\.0\.1|connect|none/i, 'no driver error text, host or database name')
    const logged = logs.lines().find((line) => line.msg === 'readiness check failed')
    t.match(logged, { level: 40, dependency: 'postgres', err: { message: /ECONNREFUSED/ } }, 'the detail is in the log')
    t.equal(res.headers['retry-after'], '5')
    t.match(res.headers['content-type'], /^application\/json/, 'the Readiness JSON, not a problem')
    const doc = (await app.inject({ method: 'GET', url: '/swagger/json' })).json()
    t.same(Object.keys(doc.paths['/health/ready'].get.responses['503'].content), ['application/json'], 'as the document declares it')

    const live = await app.inject({ method: 'GET', url: '/health/live' })
    t.equal(live.statusCode, 200, 'liveness does not depend on the database')
  })

  t.test('a pool whose every connection is busy is degraded, not down: the replica stays ready', async (t) => {
    const app = await buildApp(await testAppOptions(t, { env: { DB_POOL_MAX: '1', DB_ACQUIRE_TIMEOUT_MS: '5000', LOG_LEVEL: 'warn' } }))
    t.teardown(async () => { await app.close() })
    await app.ready()
    if (app.dbHandle.pool === null) {
      // Embedded PGlite: one in-process connection, no pool to saturate; its check is plain up.
      t.equal((await app.inject({ method: 'GET', url: '/health/ready' })).json().checks.postgres.status, 'up')
      return
    }
    // The only connection is busy for 3 s, longer than the check waits (1.5 s).
    const busy = sql`select pg_sleep(3)`.execute(app.db)
    const res = await app.inject({ method: 'GET', url: '/health/ready' })
    await busy
    t.equal(res.statusCode, 200, 'still ready')
    t.equal(res.json().checks.postgres.status, 'degraded')
    t.equal((await app.inject({ method: 'GET', url: '/health/ready' })).json().checks.postgres.status, 'up', 'up again once a connection is free')
  })

  t.test('readiness turns 503 while shutting down', async (t) => {
    const app = await buildApp(await testAppOptions(t))
    t.teardown(async () => { await app.close() })
    await app.ready()
    t.equal((await app.inject({ method: 'GET', url: '/health/ready' })).statusCode, 200)
    app.lifecycle.shuttingDown = true
    const res = await app.inject({ method: 'GET', url: '/health/ready' })
    t.equal(res.statusCode, 503)
    t.equal(res.json().shutting_down, true)
  })
})
