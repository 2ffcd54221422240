import { randomBytes, randomUUID } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import { suite } from '../helpers/suite.js'
import { buildTestApp } from '../helpers/app.js'
import type { TestContext } from '../helpers/database.js'
import { createTestDatabase, usingRealPostgres } from '../helpers/database.js'
import { createUser } from '../helpers/users.js'

const usingRedis = (process.env.REDIS_URL ?? '') !== ''

/**
 * Two app instances as two replicas would run them: one Postgres database and one Redis key
 * prefix. Embedded PGlite lives inside one process and cannot be shared, so without
 * DATABASE_URL both "replicas" are the same instance (the same assertions, one process).
 */
async function twoReplicas (t: TestContext, env: Record<string, string> = {}): Promise<[FastifyInstance, FastifyInstance]> {
  const shared = { ...env, REDIS_KEY_PREFIX: `goshop:test:replicas:${randomBytes(6).toString('hex')}:` }
  if (!usingRealPostgres()) {
    const app = await buildTestApp(t, { env: shared })
    return [app, app]
  }
  const { env: databaseEnv } = await createTestDatabase(t)
  const a = await buildTestApp(t, { databaseEnv, env: shared })
  const b = await buildTestApp(t, { databaseEnv, env: shared })
  return [a, b]
}

export default suite(import.meta, (t) => {
  t.test('rate limits are shared across replicas through Redis', async (t) => {
    const limit = 6
    const env = { RATE_LIMIT_MAX: String(limit) }
    const shared = { REDIS_KEY_PREFIX: `goshop:test:replicas:${randomBytes(6).toString('hex')}:` }
    const { env: databaseEnv } = await createTestDatabase(t)
    const a = await buildTestApp(t, { databaseEnv, env: { ...env, ...shared } })
    const b = await buildTestApp(t, { databaseEnv: usingRealPostgres() ? databaseEnv : (await createTestDatabase(t)).env, env: { ...env, ...shared } })

    const statuses: number[] = []
    for (let i = 0; i < limit; i++) {
      const res = await (i % 2 === 0 ? a : b).inject({ method: 'GET', url: '/help' })
      statuses.push(res.statusCode)
      if (usingRedis) t.equal(res.headers['ratelimit-remaining'], String(limit - 1 - i), `request ${i + 1} counted in the shared budget`)
    }
    t.same(statuses, Array(limit).fill(200))

    if (usingRedis) {
      t.equal((await a.inject({ method: 'GET', url: '/help' })).statusCode, 429, `request ${limit + 1} on replica A: 429`)
      t.equal((await b.inject({ method: 'GET', url: '/help' })).statusCode, 429, 'and on replica B: one budget for both')
    } else {
    // No Redis: each replica counts in its own memory (documented limitation of embedded mode).
      t.equal((await a.inject({ method: 'GET', url: '/help' })).statusCode, 200, 'A has used only half of its own budget')
      for (let i = 0; i < limit / 2 - 1; i++) await a.inject({ method: 'GET', url: '/help' })
      t.equal((await a.inject({ method: 'GET', url: '/help' })).statusCode, 429, 'A stops at its own limit')
      t.equal((await b.inject({ method: 'GET', url: '/help' })).statusCode, 200, 'B still has budget: in-process limits are per replica')
    }
  })

  t.test('no oversell across replicas: stock 5, 20 concurrent orders spread over both -> exactly 5 succeed', async (t) => {
    const [a, b] = await twoReplicas(t)
    const product = await a.db.insertInto('products')
      .values({ sku: `LAST-${randomUUID()}`, name: 'Last units', price_cents: 2500, stock: 5 })
      .returning('id')
      .executeTakeFirstOrThrow()
    const customers = await Promise.all(Array.from({ length: 4 }, async () => await createUser(a, 'customer')))

    const results = await Promise.all(Array.from({ length: 20 }, async (_, i) => {
      const customer = customers[i % customers.length]
      if (customer === undefined) throw new Error('no customer')
      return await (i % 2 === 0 ? a : b).inject({
        method: 'POST',
        url: '/api/orders',
        headers: customer.headers,
        payload: { items: [{ product_id: product.id, quantity: 1 }] }
      })
    }))

    const statuses = results.map((res) => res.statusCode)
    t.equal(statuses.filter((s) => s === 201).length, 5, 'exactly 5 orders created')
    t.equal(statuses.filter((s) => s === 409).length, 15, 'the other 15 get 409')
    for (const res of results.filter((r) => r.statusCode === 409)) {
      t.match(res.json(), { code: 'INSUFFICIENT_STOCK' })
    }
    t.ok(results.filter((r) => r.statusCode === 201).every((r) => r.json().total_cents === 2500))
    const stock = await b.db.selectFrom('products').select('stock').where('id', '=', product.id).executeTakeFirstOrThrow()
    t.equal(stock.stock, 0, 'stock is exactly 0, never negative')
    const sold = await b.db.selectFrom('order_items').select((eb) => eb.fn.sum<number>('quantity').as('sold')).where('product_id', '=', product.id).executeTakeFirstOrThrow()
    t.equal(Number(sold.sold), 5, 'order lines add up to the 5 units that existed')
  })

  t.test('refresh token reuse is detected across replicas: rotate on A, reuse on B -> 401 and the family is revoked', async (t) => {
    const [a, b] = await twoReplicas(t)
    const email = `replica-${randomUUID()}@example.com`
    const password = 'correct horse battery staple'
    t.equal((await a.inject({ method: 'POST', url: '/register', payload: { email, password } })).statusCode, 201)
    const login = await a.inject({ method: 'POST', url: '/login', payload: { email, password } })
    t.equal(login.statusCode, 200)
    const first = login.json().refresh_token

    const rotated = await a.inject({ method: 'POST', url: '/auth/refresh', payload: { refresh_token: first } })
    t.equal(rotated.statusCode, 200, 'A rotates the token')
    const second = rotated.json().refresh_token
    t.not(second, first)

    const reuse = await b.inject({ method: 'POST', url: '/auth/refresh', payload: { refresh_token: first } })
    t.equal(reuse.statusCode, 401, 'B sees that the old token was already used')
    t.match(reuse.headers['content-type'], /^application\/problem\+json/)

    const afterReuse = await b.inject({ method: 'POST', url: '/auth/refresh', payload: { refresh_token: second } })
    t.equal(afterReuse.statusCode, 401, 'the whole family is revoked: the newest token is dead too (on B)')
    t.equal((await a.inject({ method: 'POST', url: '/auth/refresh', payload: { refresh_token: second } })).statusCode, 401, 'and on A')

    const user = await a.db.selectFrom('users').select('id').where('email', '=', email).executeTakeFirstOrThrow()
    const live = await a.db.selectFrom('refresh_tokens').select('id').where('user_id', '=', user.id).where('revoked_at', 'is', null).execute()
    t.same(live, [], 'no unrevoked refresh token is left in the family')
  })
})
