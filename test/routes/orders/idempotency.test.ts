import { suite } from '../../helpers/suite.js'
import { createTestDatabase, usingRealPostgres } from '../../helpers/database.js'
import { buildTestApp } from '../../helpers/app.js'
import { createUser } from '../../helpers/users.js'
import { buildOrdersApp, countRows, settled, insertProduct, metricValue, postOrder, stockOf } from './fixtures/orders.js'

export default suite(import.meta, (t) => {
  t.test('same key + same body replays the original response; another body -> 422', async (t) => {
    const app = await buildOrdersApp(t)
    const user = await createUser(app, 'customer')
    const product = await insertProduct(app, { stock: 10, price_cents: 300 })
    const key = { 'idempotency-key': 'checkout-123' }

    const first = await postOrder(app, user, { items: [{ product_id: product.id, quantity: 2 }] }, key)
    t.equal(first.statusCode, 201)
    t.notOk(first.headers['idempotent-replayed'])
    const revenue = await metricValue(app, 'order_revenue_cents_total')

    // Same body with its keys in another order: the canonical hash matches.
    const again = await postOrder(app, user, { items: [{ quantity: 2, product_id: product.id }] }, key)
    t.equal(again.statusCode, 201)
    t.equal(again.headers['idempotent-replayed'], 'true')
    t.equal(again.body, first.body, 'byte-identical body')
    t.equal(again.headers.location, first.headers.location)

    const other = await postOrder(app, user, { items: [{ product_id: product.id, quantity: 3 }] }, key)
    t.equal(other.statusCode, 422)
    t.equal(other.json().code, 'IDEMPOTENCY_KEY_REUSED')
    t.equal(other.json().errors[0].in, 'header')
    t.match(other.json().detail, /different request \(another body, or another operation\)/)

    t.equal(await countRows(app, 'orders'), 1)
    t.equal(await stockOf(app, product.id), 8)
    t.equal(await metricValue(app, 'order_revenue_cents_total'), revenue, 'replays are not counted again')

    const row = await app.db.selectFrom('idempotency_keys').selectAll().executeTakeFirstOrThrow()
    t.equal(row.user_id, user.id)
    t.equal(row.response_status, 201)
    t.match(row.request_hash, /^[0-9a-f]{64}$/)
    const ttlHours = (row.expires_at.getTime() - row.created_at.getTime()) / 3_600_000
    t.ok(ttlHours > 23.9 && ttlHours < 24.1, `expires 24 h after creation (${ttlHours})`)
  })

  t.test('a key used on another operation is refused as reused, saying so', async (t) => {
    const app = await buildOrdersApp(t)
    const admin = await createUser(app, 'admin')
    const customer = await createUser(app, 'customer')
    const product = await insertProduct(app, { stock: 10 })
    const key = { 'idempotency-key': 'shared-between-operations' }
    const batch = await app.inject({ method: 'POST', url: '/api/products/batch', headers: { ...admin.headers, ...key }, payload: { mode: 'per_item', items: [{ sku: 'IDEM-X', name: 'x', price_cents: 1, stock: 1 }] } })
    t.equal(batch.statusCode, 200)
    const order = await postOrder(app, admin, { customer_id: customer.customerId, items: [{ product_id: product.id, quantity: 1 }] }, key)
    t.equal(order.statusCode, 422)
    t.match(order.json(), { code: 'IDEMPOTENCY_KEY_REUSED', detail: /another operation/ })
    t.equal(await stockOf(app, product.id), 10, 'nothing ordered')
  })

  t.test('20 parallel requests with one key create exactly one order', async (t) => {
    const app = await buildOrdersApp(t)
    const user = await createUser(app, 'customer')
    const product = await insertProduct(app, { stock: 100 })
    const body = { items: [{ product_id: product.id, quantity: 1 }] }

    const responses = await Promise.all(Array.from({ length: 20 }, async () => await postOrder(app, user, body, { 'idempotency-key': 'same-key' })))
    const created = responses.filter((r) => r.statusCode === 201 && r.headers['idempotent-replayed'] === undefined)
    const replayed = responses.filter((r) => r.statusCode === 201 && r.headers['idempotent-replayed'] === 'true')
    const inUse = responses.filter((r) => r.statusCode === 409)
    t.equal(created.length, 1, 'one request created the order')
    t.equal(created.length + replayed.length + inUse.length, 20, 'every other request replayed or was told the key is in use')
    for (const res of replayed) t.equal(res.body, created[0]?.body)
    for (const res of inUse) {
      t.equal(res.json().code, 'IDEMPOTENCY_KEY_IN_USE')
      t.equal(res.headers['retry-after'], '1')
    }
    t.comment(`replayed ${replayed.length}, in use ${inUse.length}`)
    t.equal(await countRows(app, 'orders'), 1)
    t.equal(await stockOf(app, product.id), 99)
  })

  t.test('keys are scoped to the caller', async (t) => {
    const app = await buildOrdersApp(t)
    const alice = await createUser(app, 'customer')
    const bob = await createUser(app, 'customer')
    const product = await insertProduct(app, { stock: 10 })
    const body = { items: [{ product_id: product.id, quantity: 1 }] }
    const a = await postOrder(app, alice, body, { 'idempotency-key': 'k1' })
    const b = await postOrder(app, bob, body, { 'idempotency-key': 'k1' })
    t.equal(a.statusCode, 201)
    t.equal(b.statusCode, 201)
    t.equal(b.headers['idempotent-replayed'], undefined)
    t.not(a.json().id, b.json().id)
    t.equal(b.json().customer_id, bob.customerId)
  })

  t.test('failed requests are not stored, so a retry with the key runs anew', async (t) => {
    const app = await buildOrdersApp(t)
    const user = await createUser(app, 'customer')
    const product = await insertProduct(app, { stock: 1 })
    const body = { items: [{ product_id: product.id, quantity: 3 }] }
    const key = { 'idempotency-key': 'retry-me' }

    const short = await postOrder(app, user, body, key)
    t.equal(short.statusCode, 409)
    t.equal(await countRows(app, 'idempotency_keys'), 0)

    await app.db.updateTable('products').set({ stock: 5 }).where('id', '=', product.id).execute()
    const retry = await postOrder(app, user, body, key)
    t.equal(retry.statusCode, 201)
    t.equal(retry.headers['idempotent-replayed'], undefined)
    t.equal(await stockOf(app, product.id), 2)
  })

  t.test('Idempotency-Key must be 1..255 characters', async (t) => {
    const app = await buildOrdersApp(t)
    const user = await createUser(app, 'customer')
    const product = await insertProduct(app, { stock: 10 })
    const body = { items: [{ product_id: product.id, quantity: 1 }] }
    const long = await postOrder(app, user, body, { 'idempotency-key': 'k'.repeat(256) })
    t.equal(long.statusCode, 400)
    t.equal(long.json().code, 'VALIDATION_FAILED')
    t.same(long.json().errors[0].in, 'header')
    t.equal(long.json().errors[0].pointer, '/idempotency-key')
    t.equal(await countRows(app, 'orders'), 0)
    t.equal((await postOrder(app, user, body, { 'idempotency-key': 'k'.repeat(255) })).statusCode, 201)
  })

  // Two sessions are a real server's: PGlite has one, so no second transaction can hold the key there. The
  // refusal itself is tested in both modes by test/lib/idempotency/claims.test.ts (the lock's result faked).
  if (usingRealPostgres()) {
    t.test('a key held by another transaction (another replica) -> 409 IDEMPOTENCY_KEY_IN_USE', async (t) => {
    // Two replicas on one database; replica B's transaction holds the key while A is asked.
      const { env: databaseEnv } = await createTestDatabase(t)
      const replicaA = await settled(await buildTestApp(t, { databaseEnv }))
      const replicaB = await settled(await buildTestApp(t, { databaseEnv }))
      const user = await createUser(replicaA, 'customer')
      const product = await insertProduct(replicaA, { stock: 10 })
      const body = { items: [{ product_id: product.id, quantity: 1 }] }

      let release: () => void = () => {}
      const released = new Promise<void>((resolve) => { release = resolve })
      let held: () => void = () => {}
      const isHeld = new Promise<void>((resolve) => { held = resolve })
      const holder = replicaB.db.transaction().execute(async (trx) => {
        const { tryLockKey } = await import('../../../lib/idempotency/repository.js')
        t.ok(await tryLockKey(trx, user.id, 'busy'))
        held()
        await released
      })
      await isHeld
      const busy = await postOrder(replicaA, user, body, { 'idempotency-key': 'busy' })
      t.equal(busy.statusCode, 409)
      t.equal(busy.json().code, 'IDEMPOTENCY_KEY_IN_USE')
      release()
      await holder
      const free = await postOrder(replicaA, user, body, { 'idempotency-key': 'busy' })
      t.equal(free.statusCode, 201)
      t.equal(await countRows(replicaA, 'orders'), 1)
    })
  }
})
