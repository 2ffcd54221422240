import { suite } from '../../helpers/suite.js'
import { createUser } from '../../helpers/users.js'
import { waitFor } from '../../helpers/wait.js'
import { buildOrdersApp, insertProduct, postOrder } from '../orders/fixtures/orders.js'
import { createEndpoint, deliveriesOf, FAST_WEBHOOKS, firstDeliveryIn } from './fixtures.js'
import { startReceiver, verified } from './receiver.js'

export default suite(import.meta, (t) => {
  t.test('receiver down, then up: retried until delivered, every attempt logged', async (t) => {
    const app = await buildOrdersApp(t, { env: FAST_WEBHOOKS })
    const admin = await createUser(app, 'admin')
    const customer = await createUser(app, 'customer')
    const receiver = await startReceiver(t)
    await receiver.close()
    const endpoint = await createEndpoint(app, admin, receiver.url)
    const product = await insertProduct(app)
    t.equal((await postOrder(app, customer, { items: [{ product_id: product.id, quantity: 1 }] })).statusCode, 201, 'the order does not wait for the receiver')

    const failing = await waitFor('three failed attempts', async () => {
      const [delivery] = await deliveriesOf(app, admin, endpoint.id)
      return delivery !== undefined && delivery.attempts >= 3 ? delivery : undefined
    })
    t.equal(failing.status, 'pending')
    t.equal(failing.last_response_status, null)
    t.match(failing.last_error, /ECONNREFUSED/)
    t.ok(failing.attempt_log.every((attempt) => attempt.outcome === 'failed' && attempt.response_status === null))

    await receiver.listen()
    const done = await firstDeliveryIn(app, admin, endpoint.id, 'succeeded')
    t.equal(receiver.received.length, 1)
    t.equal(verified(endpoint.secret, receiver.received[0] ?? { path: '', headers: {}, body: '' }).type, 'order.created')
    t.equal(done.attempt_log.length, done.attempts)
    t.same(done.attempt_log.map((a) => a.attempt), Array.from({ length: done.attempts }, (_, i) => i + 1), 'attempts numbered 1..n, none twice')
    t.equal(done.attempt_log.at(-1)?.outcome, 'succeeded')
  })

  t.test('a 500 receiver is retried, then the delivery fails when the retry window closes; bodies kept as a short excerpt', async (t) => {
    const app = await buildOrdersApp(t, { env: { ...FAST_WEBHOOKS, WEBHOOK_MAX_RETRY_AGE: '2' } })
    const admin = await createUser(app, 'admin')
    const customer = await createUser(app, 'customer')
    const receiver = await startReceiver(t)
    receiver.respond(() => ({ status: 500, body: 'x'.repeat(10_000) }))
    const endpoint = await createEndpoint(app, admin, receiver.url, ['order.created'])
    const product = await insertProduct(app)
    t.equal((await postOrder(app, customer, { items: [{ product_id: product.id, quantity: 1 }] })).statusCode, 201)

    const failed = await firstDeliveryIn(app, admin, endpoint.id, 'failed', { timeoutMs: 30_000 })
    t.ok(failed.attempts >= 2, `retried (${failed.attempts} attempts)`)
    const windowCloses = Date.parse(failed.created_at) + 2000
    t.ok(Date.parse(failed.attempt_log.at(-1)?.created_at ?? '') >= windowCloses, 'the last attempt is made as the retry window closes, not before')
    t.equal(failed.next_attempt_at, null)
    t.equal(failed.last_response_status, 500)
    t.ok((failed.last_error ?? '').length <= 512, 'error excerpt bounded')
    t.match(failed.last_error, /^HTTP 500: x+$/)
    t.equal(failed.attempt_log.length, failed.attempts)
    t.ok(failed.attempt_log.every((attempt) => attempt.response_status === 500 && attempt.outcome === 'failed'))
    t.equal(receiver.received.length, failed.attempts, 'one request per logged attempt')
    const count = receiver.received.length
    await new Promise((resolve) => setTimeout(resolve, 300))
    t.equal(receiver.received.length, count, 'no attempts after failing')
    const metrics = (await app.inject({ method: 'GET', url: '/metrics' })).body
    t.match(metrics, /webhook_deliveries_total\{outcome="failed"\} 1/)
    t.match(metrics, /webhook_deliveries_total\{outcome="retry"\} \d+/)

    // A manual retry gets one more attempt; the receiver now accepts.
    receiver.respond(() => ({ status: 204 }))
    t.equal((await app.inject({ method: 'POST', url: `/api/webhooks/${endpoint.id}/deliveries/${failed.id}/retry`, headers: admin.headers })).statusCode, 202)
    await firstDeliveryIn(app, admin, endpoint.id, 'succeeded')
  })
})
