import { suite } from '../../helpers/suite.js'
import { setTimeout as sleep } from 'node:timers/promises'
import type { FastifyInstance } from 'fastify'
import { createUser } from '../../helpers/users.js'
import { purgeExpiredKeys } from '../../../routes/orders/idempotency-repository.js'
import { schedulePurge } from '../../../routes/orders/jobs.js'
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

  t.test('expired keys are purged, on demand and by the background timer', async (t) => {
    const app = await buildOrdersApp(t)
    const user = await createUser(app, 'customer')
    const product = await insertProduct(app, { stock: 10 })
    for (const k of ['a', 'b', 'c', 'd']) {
      t.equal((await postOrder(app, user, { items: [{ product_id: product.id, quantity: 1 }] }, { 'idempotency-key': k })).statusCode, 201)
    }
    await expireKeys(app, ['a', 'b'])
    t.equal(await purgeExpiredKeys(app.db), 2)
    t.same((await app.db.selectFrom('idempotency_keys').select('key').orderBy('key').execute()).map((r) => r.key), ['c', 'd'])
    t.equal(await purgeExpiredKeys(app.db), 0)

    await expireKeys(app, ['c'])
    const purge = schedulePurge(app.db, app.log, 20)
    for (let i = 0; i < 400 && await countRows(app, 'idempotency_keys') > 1; i++) await sleep(25)
    await purge.stop()
    t.same((await app.db.selectFrom('idempotency_keys').select('key').execute()).map((r) => r.key), ['d'], 'the timer purged the expired key only')
  })
})
