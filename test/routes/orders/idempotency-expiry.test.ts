import { suite } from '../../helpers/suite.js'
import type { FastifyInstance } from 'fastify'
import { createUser } from '../../helpers/users.js'
import { buildOrdersApp, countRows, insertProduct, postOrder } from './fixtures/orders.js'

export default suite(import.meta, (t) => {
  const expireKeys = async (app: FastifyInstance, keys: string[]): Promise<void> => {
    await app.db.updateTable('idempotency_keys').set({ expires_at: new Date(Date.now() - 1000) }).where('key', 'in', keys).execute()
  }

  t.test('an expired key is treated as absent and replaced', async (t) => {
    const app = await buildOrdersApp(t)
    const user = await createUser(app, 'customer')
    const product = await insertProduct(app, { stock: 10 })
    const key = { 'idempotency-key': 'old-key' }
    const first = await postOrder(app, user, { items: [{ product_id: product.id, quantity: 1 }] }, key)
    t.equal(first.statusCode, 201)

    await expireKeys(app, ['old-key'])
    const second = await postOrder(app, user, { items: [{ product_id: product.id, quantity: 2 }] }, key)
    t.equal(second.statusCode, 201, 'a different body is fine once the key expired')
    t.equal(second.headers['idempotent-replayed'], undefined)
    t.not(second.json().id, first.json().id)

    const rows = await app.db.selectFrom('idempotency_keys').selectAll().execute()
    t.equal(rows.length, 1)
    t.ok(rows[0]!.expires_at.getTime() > Date.now(), 'the new entry is live')
    const replay = await postOrder(app, user, { items: [{ product_id: product.id, quantity: 2 }] }, key)
    t.equal(replay.headers['idempotent-replayed'], 'true')
    t.equal(replay.json().id, second.json().id)
    t.equal(await countRows(app, 'orders'), 2)
  })
})
