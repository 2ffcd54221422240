import { setTimeout as sleep } from 'node:timers/promises'
import { suite } from '../../helpers/suite.js'
import type { TestContext } from '../../helpers/database.js'
import { createUser } from '../../helpers/users.js'
import { waitFor } from '../../helpers/wait.js'
import { buildOrdersApp, insertProduct, postOrder } from '../orders/fixtures/orders.js'
import { createEndpoint, deliveriesOf, FAST_WEBHOOKS, firstDeliveryIn } from './fixtures.js'
import { startReceiver } from './receiver.js'

/** An app delivering fast, an admin and a customer, and an endpoint whose receiver never answers. */
async function withHangingEndpoint (t: TestContext) {
  const app = await buildOrdersApp(t, { env: FAST_WEBHOOKS })
  const admin = await createUser(app, 'admin')
  const customer = await createUser(app, 'customer')
  const hanging = await startReceiver(t)
  hanging.respond(() => 'hang')
  const endpoint = await createEndpoint(app, admin, hanging.url, ['order.created'])
  return { app, admin, customer, hanging, endpoint }
}

export default suite(import.meta, (t) => {
  t.test('redirects are failures and are not followed', async (t) => {
    const app = await buildOrdersApp(t, { env: { ...FAST_WEBHOOKS, WEBHOOK_MAX_RETRY_AGE: '1' } })
    const admin = await createUser(app, 'admin')
    const customer = await createUser(app, 'customer')
    const receiver = await startReceiver(t)
    receiver.respond((request) => request.path === '/hooks' ? { status: 302, headers: { location: '/elsewhere' } } : { status: 200 })
    const endpoint = await createEndpoint(app, admin, receiver.url, ['order.created'])
    const product = await insertProduct(app)
    t.equal((await postOrder(app, customer, { items: [{ product_id: product.id, quantity: 1 }] })).statusCode, 201)
    const failed = await firstDeliveryIn(app, admin, endpoint.id, 'failed')
    t.equal(failed.last_response_status, 302)
    t.ok(receiver.received.every((request) => request.path === '/hooks'), 'the redirect target was never requested')
  })

  t.test('a receiver that hangs holds at most 5 attempts, not a round of everyone\'s: the others are delivered meanwhile', async (t) => {
    const { app, admin, customer, hanging: dead, endpoint: deadEndpoint } = await withHangingEndpoint(t)
    const live = await startReceiver(t)
    const product = await insertProduct(app, { stock: 100 })
    const order = async (): Promise<void> => { t.equal((await postOrder(app, customer, { items: [{ product_id: product.id, quantity: 1 }] })).statusCode, 201) }
    // The hanging endpoint's backlog is due first...
    for (let i = 0; i < 12; i++) await order()
    await createEndpoint(app, admin, live.url, ['order.created'])
    // ...then both get 12 more.
    for (let i = 0; i < 12; i++) await order()
    await waitFor('the live receiver has its 12 events', async () => live.received.length >= 12 ? true : undefined, { timeoutMs: 30_000 })
    const recorded = await app.db.selectFrom('webhook_attempts')
      .innerJoin('webhook_deliveries', 'webhook_deliveries.id', 'webhook_attempts.delivery_id')
      .where('webhook_deliveries.endpoint_id', '=', deadEndpoint.id)
      .select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()
    const outToDead = dead.received.length - Number(recorded.n)
    t.ok(outToDead <= 5, `attempts out to the hanging receiver: ${outToDead} (at most 5 to one endpoint)`)
  })

  t.test('a manual retry while an attempt is out changes nothing: no second send beside it', async (t) => {
    const { app, admin, customer, hanging: receiver, endpoint } = await withHangingEndpoint(t)
    t.equal((await postOrder(app, customer, { items: [{ product_id: (await insertProduct(app)).id, quantity: 1 }] })).statusCode, 201)
    await waitFor('the attempt out', async () => receiver.received.length === 1 ? true : undefined)
    const [delivery] = await deliveriesOf(app, admin, endpoint.id)
    if (delivery === undefined) throw new Error('no delivery')
    const retried = await app.inject({ method: 'POST', url: `/api/webhooks/${endpoint.id}/deliveries/${delivery.id}/retry`, headers: admin.headers })
    t.equal(retried.statusCode, 202)
    t.equal(retried.json().status, 'pending')
    // Many worker polls (20 ms) later, still within the first attempt's 5 s timeout.
    await sleep(500)
    t.equal(receiver.received.length, 1, 'the receiver got the event once')
  })

  t.test('a receiver that never answers times out (5 s) and the order path is unaffected', async (t) => {
    const { app, admin, customer, endpoint } = await withHangingEndpoint(t)
    const product = await insertProduct(app)
    for (let i = 0; i < 3; i++) t.equal((await postOrder(app, customer, { items: [{ product_id: product.id, quantity: 1 }] })).statusCode, 201)
    const timedOut = await waitFor('a timed-out attempt', async () => {
      const deliveries = await deliveriesOf(app, admin, endpoint.id)
      return deliveries.find((d) => d.attempt_log.length > 0)
    }, { timeoutMs: 30_000 })
    t.match(timedOut.attempt_log[0], { outcome: 'failed', response_status: null, error: 'timed out after 5000 ms' })
  })
})
