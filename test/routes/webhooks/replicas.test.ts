import type { FastifyInstance } from 'fastify'
import { suite } from '../../helpers/suite.js'
import { createTestDatabase, usingRealPostgres } from '../../helpers/database.js'
import { createUser } from '../../helpers/users.js'
import { waitFor } from '../../helpers/wait.js'
import { buildOrdersApp, insertProduct, postOrder } from '../orders/fixtures/orders.js'
import { createEndpoint, FAST_WEBHOOKS } from './fixtures.js'
import { startReceiver, verified } from './receiver.js'

export default suite(import.meta, (t) => {
/**
 * Two replicas on one Postgres database, both running the worker; on embedded PGlite (one
 * process, not shareable) the same flood through the one in-process worker.
 */
  t.test('a flood of orders over two replicas: every event delivered once per endpoint, no attempt made twice', async (t) => {
    const { env: databaseEnv } = await createTestDatabase(t)
    const a = await buildOrdersApp(t, { databaseEnv, env: FAST_WEBHOOKS })
    const b: FastifyInstance = usingRealPostgres() ? await buildOrdersApp(t, { databaseEnv, env: FAST_WEBHOOKS }) : a
    const admin = await createUser(a, 'admin')
    const customer = await createUser(a, 'customer')
    const first = await startReceiver(t)
    const second = await startReceiver(t)
    const endpoints = [await createEndpoint(a, admin, first.url, ['order.created']), await createEndpoint(b, admin, second.url, ['order.created'])]
    const products = await Promise.all(Array.from({ length: 10 }, async () => await insertProduct(a, { stock: 1000 })))

    const ORDERS = 200
    const ids: string[] = []
    for (let wave = 0; wave < ORDERS / 20; wave++) {
      const results = await Promise.all(Array.from({ length: 20 }, async (_, i) => {
        const product = products[(wave + i) % products.length]
        if (product === undefined) throw new Error('no product')
        return await postOrder(i % 2 === 0 ? a : b, customer, { items: [{ product_id: product.id, quantity: 1 }] })
      }))
      for (const res of results) {
        t.equal(res.statusCode, 201)
        ids.push(res.json().id)
      }
    }
    t.equal(new Set(ids).size, ORDERS)

    // Wait until no delivery is pending: then every attempt has been made and recorded.
    await waitFor('every delivery settled', async () => {
      const row = await a.db.selectFrom('webhook_deliveries').select((eb) => eb.fn.countAll<number>().as('n')).where('status', '=', 'pending').executeTakeFirstOrThrow()
      return Number(row.n) === 0 ? true : undefined
    }, { timeoutMs: 90_000 })
    const deliveries = await a.db.selectFrom('webhook_deliveries').select(['id', 'event_id', 'endpoint_id', 'status', 'attempts']).execute()
    t.equal(deliveries.length, ORDERS * 2, 'one delivery per endpoint x event')
    t.ok(deliveries.every((row) => row.status === 'succeeded'), 'every delivery succeeded')
    const attempts = await a.db.selectFrom('webhook_attempts').select(['delivery_id', 'attempt', 'outcome', 'error']).execute()
    t.equal(attempts.length, deliveries.reduce((sum, row) => sum + row.attempts, 0), 'every attempt recorded')
    const retried = attempts.filter((row) => row.outcome === 'failed')
    // A healthy receiver answers every first attempt; a retry only follows a failed attempt
    // (e.g. a 5 s timeout when this shared machine stalls), never a second send of the same attempt.
    t.comment(`${attempts.length} attempts for ${deliveries.length} deliveries; failed attempts: ${JSON.stringify(retried.map((row) => row.error))}`)

    for (const [receiver, endpoint] of [[first, endpoints[0]], [second, endpoints[1]]] as const) {
      if (endpoint === undefined) throw new Error('no endpoint')
      const events = receiver.received.map((request) => verified(endpoint.secret, request))
      t.same(new Set(events.map((e) => String(e.data.id))), new Set(ids), 'every order delivered')
      const ofEndpoint = deliveries.filter((row) => row.endpoint_id === endpoint.id)
      t.equal(events.length, ofEndpoint.reduce((sum, row) => sum + row.attempts, 0), 'exactly one request per recorded attempt: no attempt made twice')
      for (const delivery of ofEndpoint) {
        const sent = events.filter((e) => e.id === delivery.event_id).length
        if (sent !== delivery.attempts) t.fail(`event ${delivery.event_id} sent ${sent} times for ${delivery.attempts} attempts`)
      }
      t.equal(new Set(events.map((e) => e.id)).size, ORDERS, 'every event id arrived')
    }
  })
})
