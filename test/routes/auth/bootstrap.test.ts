import { PassThrough } from 'node:stream'
import type { FastifyInstance } from 'fastify'
import { suite } from '../../helpers/suite.js'
import { buildApp } from '../../../app.js'
import { loadConfig } from '../../../lib/config.js'
import { ensureAdmin } from '../../../routes/auth/bootstrap.js'
import { buildTestApp, testEnv } from '../../helpers/app.js'
import { bearer, jwtClaims, login, refresh, registerAndLogin } from '../../helpers/auth-flow.js'
import { createTestDatabase, usingRealPostgres, type TestContext } from '../../helpers/database.js'

const ADMIN_ENV = { ADMIN_EMAIL: 'Root@Example.com', ADMIN_PASSWORD: 'bootstrap-admin-password' }

/**
 * An app on the given database whose plugins are loaded (migrations included) but whose
 * onReady hooks, where the admin bootstrap runs, have not run yet.
 */
async function replica (t: TestContext, databaseEnv: Record<string, string>, logLines: string[]): Promise<FastifyInstance> {
  const logStream = new PassThrough()
  logStream.on('data', (chunk: Buffer) => { logLines.push(...chunk.toString('utf8').split('\n').filter((l) => l !== '')) })
  const app = await buildApp({ config: loadConfig(await testEnv(t, { databaseEnv, env: { ...ADMIN_ENV, LOG_LEVEL: 'info' } })), logStream })
  t.teardown(async () => { await app.close() })
  return app
}

export default suite(import.meta, (t) => {
  t.test('two replicas starting together on one database create exactly one admin', async (t) => {
  // On PGlite (no DATABASE_URL) one database cannot be opened by two apps, so each gets its own: a real race only on Postgres.
    const database = await createTestDatabase(t)
    // Built one after the other (the metrics plugin shares prom-client's global registry), then started together.
    const logLines: string[] = []
    const first = await replica(t, database.env, logLines)
    const second = await replica(t, usingRealPostgres() ? database.env : (await createTestDatabase(t)).env, logLines)
    await Promise.all([first.ready(), second.ready()])
    const outcomes = logLines.map((l) => JSON.parse(l)).filter((l) => l.event === 'admin_bootstrap')
    t.same(outcomes.map((l) => l.email), ['ro***@example.com', 'ro***@example.com'], 'the bootstrap log line masks the email')
    t.same(outcomes.map((l) => l.outcome).sort(), usingRealPostgres() ? ['created', 'unchanged'] : ['created', 'created'])
    for (const app of [first, second]) {
      const admins = await app.db.selectFrom('users').select(['email', 'role']).execute()
      t.same(admins, [{ email: 'root@example.com', role: 'admin' }], 'exactly one user, the admin')
      const customers = await app.db.selectFrom('customers').select('id').execute()
      t.equal(customers.length, 0, 'an admin gets no customer profile')
    }

    const res = await login(first, 'root@example.com', 'bootstrap-admin-password')
    t.equal(res.statusCode, 200)
    t.equal(jwtClaims(res.json().access_token).role, 'admin')
    // Authorization reads the account from the database: on PGlite the admin exists only in the first app's.
    const other = usingRealPostgres() ? second : first
    const setLevel = await other.inject({ method: 'PUT', url: '/api/admin/log-level', headers: bearer(res.json().access_token), payload: { level: 'warn' } })
    t.equal(setLevel.statusCode, 200, 'the admin token works on the other replica')

    // A later start leaves the admin and its password alone. On PGlite databases are per app, so run the bootstrap again instead.
    const { hash } = await first.db.selectFrom('users').select('password_hash as hash').executeTakeFirstOrThrow()
    const changedPassword = { ...ADMIN_ENV, ADMIN_PASSWORD: 'a-different-password' }
    if (usingRealPostgres()) await buildTestApp(t, { databaseEnv: database.env, env: changedPassword })
    else t.equal(await ensureAdmin(first.db, { email: 'root@example.com', password: changedPassword.ADMIN_PASSWORD }), 'unchanged')
    const after = await first.db.selectFrom('users').select(['role', 'password_hash as hash']).execute()
    t.same(after, [{ role: 'admin', hash }])
  })

  t.test('ensureAdmin is idempotent under concurrency and takes over a non-admin account', async (t) => {
    const app = await buildTestApp(t)

    const created = await Promise.all(Array.from({ length: 5 }, async () =>
      await ensureAdmin(app.db, { email: 'ops@example.com', password: 'ops-password-123' })))
    t.same(created.sort(), ['created', 'unchanged', 'unchanged', 'unchanged', 'unchanged'])

    // Someone registered the address before the operator configured it: it becomes the operator's account.
    const { userId, session } = await registerAndLogin(app, 'boss@example.com', 'squatter-password')
    const promoted = await Promise.all(Array.from({ length: 5 }, async () =>
      await ensureAdmin(app.db, { email: 'boss@example.com', password: 'operator-password' })))
    t.same(promoted.sort(), ['promoted', 'unchanged', 'unchanged', 'unchanged', 'unchanged'])
    const boss = await app.db.selectFrom('users').select(['id', 'role']).where('email', '=', 'boss@example.com').execute()
    t.same(boss, [{ id: userId, role: 'admin' }])
    t.equal((await login(app, 'boss@example.com', 'squatter-password')).statusCode, 401, 'the old password no longer works')
    t.equal((await login(app, 'boss@example.com', 'operator-password')).statusCode, 200)
    t.equal((await refresh(app, session.refresh_token)).statusCode, 401, 'sessions of the previous holder are revoked')

    const users = await app.db.selectFrom('users').select('email').execute()
    t.equal(users.length, 2)
  })
})
