import { suite } from '../../helpers/suite.js'
import { createUser } from '../../helpers/users.js'
import { waitFor } from '../../helpers/wait.js'
import { buildOrdersApp, insertProduct, postOrder, transition } from '../orders/fixtures/orders.js'
import { createEndpoint, deliveriesOf, eventCount, FAST_WEBHOOKS } from './fixtures.js'
import { startReceiver, verified } from './receiver.js'

export default suite(import.meta, (t) => {
  t.test('failed orders (409, 422, 400) emit nothing; a committed one emits order.created', async (t) => {
    const app = await buildOrdersApp(t, { env: FAST_WEBHOOKS })
    const admin = await createUser(app, 'admin')
    const customer = await createUser(app, 'customer')
    const receiver = await startReceiver(t)
    await createEndpoint(app, admin, receiver.url)
    const product = await insertProduct(app, { stock: 2 })

    t.equal((await postOrder(app, customer, { items: [{ product_id: product.id, quantity: 3 }] })).statusCode, 409)
    t.equal((await postOrder(app, customer, { items: [{ product_id: '00000000-0000-4000-8000-000000000000', quantity: 1 }] })).statusCode, 422)
    t.equal((await postOrder(app, customer, { items: [{ product_id: product.id, quantity: 1 }, { product_id: '00000000-0000-4000-8000-000000000000', quantity: 1 }] })).statusCode, 422)
    t.equal((await postOrder(app, customer, { items: [] })).statusCode, 400)
    t.equal(await eventCount(app), 0, 'no event row for a failed order')

    const ok = await postOrder(app, customer, { items: [{ product_id: product.id, quantity: 1 }] })
    t.equal(ok.statusCode, 201)
    t.equal(await eventCount(app), 1)
    await waitFor('the delivery', async () => receiver.received.length >= 1 ? true : undefined)
    t.equal(receiver.received.length, 1, 'only the committed order was sent')
  })

  t.test('events are delivered signed (verified with the standardwebhooks package) with the resource as the API shows it', async (t) => {
    const app = await buildOrdersApp(t, { env: FAST_WEBHOOKS })
    const admin = await createUser(app, 'admin')
    const staff = await createUser(app, 'staff')
    const customer = await createUser(app, 'customer')
    const receiver = await startReceiver(t)
    const endpoint = await createEndpoint(app, admin, receiver.url)
    const last = await insertProduct(app, { stock: 1, price_cents: 500 })
    const other = await insertProduct(app, { stock: 5 })

    const order = await postOrder(app, customer, { items: [{ product_id: last.id, quantity: 1 }, { product_id: other.id, quantity: 2 }] })
    t.equal(order.statusCode, 201)
    const paid = await transition(app, staff, order.json().id, 'paid')
    t.equal(paid.statusCode, 200)
    const patched = await app.inject({ method: 'PATCH', url: `/api/products/${other.id}`, headers: staff.headers, payload: { stock: 0 } })
    t.equal(patched.statusCode, 200)
    // Stock already 0: no second out_of_stock for the same product.
    t.equal((await app.inject({ method: 'PATCH', url: `/api/products/${other.id}`, headers: staff.headers, payload: { name: 'Renamed' } })).statusCode, 200)

    await waitFor('four events', async () => receiver.received.length >= 4 ? true : undefined)
    const events = receiver.received.map((request) => verified(endpoint.secret, request))
    t.same(events.map((e) => e.type).sort(), ['order.created', 'order.status_changed', 'product.out_of_stock', 'product.out_of_stock'])
    t.equal(new Set(events.map((e) => e.id)).size, 4, 'every event has its own id')
    for (const request of receiver.received) {
      t.equal(request.headers['content-type'], 'application/json')
      t.match(request.headers['webhook-signature'], /^v1,[A-Za-z0-9+/]+=*$/)
      t.throws(() => verified(`whsec_${Buffer.alloc(32, 1).toString('base64')}`, request), 'another secret does not verify')
    }

    const staffView = await app.inject({ method: 'GET', url: `/api/orders/${order.json().id}`, headers: staff.headers })
    const created = events.find((e) => e.type === 'order.created')
    t.same(created?.data, { ...staffView.json(), status: 'pending', allowed_transitions: ['paid', 'cancelled'], updated_at: order.json().updated_at }, 'order.created carries the order as the API shows it (staff view)')
    const changed = events.find((e) => e.type === 'order.status_changed')
    t.same(changed?.data, { ...paid.json(), allowed_transitions: ['shipped', 'cancelled'], previous_status: 'pending' })
    const soldOut = events.filter((e) => e.type === 'product.out_of_stock').map((e) => e.data)
    const lastView = await app.inject({ method: 'GET', url: `/api/products/${last.id}`, headers: staff.headers })
    t.same(soldOut.find((p) => p.id === last.id), lastView.json(), 'the product emptied by the order, as GET shows it')
    t.same(soldOut.find((p) => p.id === other.id), patched.json(), 'the product emptied by PATCH, as PATCH returned it')
    t.match(created?.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)

    // The receiver has answered; the worker records each outcome right after.
    const log = await waitFor('four deliveries recorded', async () => {
      const deliveries = await deliveriesOf(app, admin, endpoint.id)
      return deliveries.length === 4 && deliveries.every((d) => d.status !== 'pending') ? deliveries : undefined
    })
    t.equal(log.length, 4)
    for (const delivery of log) t.match(delivery, { status: 'succeeded', attempts: 1, next_attempt_at: null, last_response_status: 200, attempt_log: [{ attempt: 1, outcome: 'succeeded', response_status: 200 }] })

    // Manual retry sends the same event (same webhook-id) again.
    const first = log[0]
    if (first === undefined) throw new Error('no delivery')
    const retried = await app.inject({ method: 'POST', url: `/api/webhooks/${endpoint.id}/deliveries/${first.id}/retry`, headers: admin.headers })
    t.equal(retried.statusCode, 202)
    t.equal(retried.json().status, 'pending')
    await waitFor('the redelivery', async () => receiver.received.length >= 5 ? true : undefined)
    const again = receiver.received[4]
    if (again === undefined) throw new Error('no redelivery')
    t.equal(verified(endpoint.secret, again).id, first.event_id, 'the same event id again: receivers dedupe on it')
    await waitFor('the redelivery recorded', async () => {
      const delivery = (await deliveriesOf(app, admin, endpoint.id)).find((d) => d.id === first.id)
      return delivery?.status === 'succeeded' && delivery.attempts === 2 ? true : undefined
    })

    const metrics = (await app.inject({ method: 'GET', url: '/metrics' })).body
    t.match(metrics, /webhook_deliveries_total\{outcome="succeeded"\} 5/)
    t.match(metrics, /webhook_delivery_duration_seconds_count 5/)
    t.match(metrics, /webhook_outbox_backlog 0/)
    t.match(metrics, /webhook_outbox_oldest_pending_age_seconds 0/)
  })

  t.test('the backlog gauges count what waits to be sent, not a paused endpoint\'s deliveries', async (t) => {
    const app = await buildOrdersApp(t, { env: { ...FAST_WEBHOOKS, WEBHOOK_WORKER: 'false' } })
    const admin = await createUser(app, 'admin')
    const customer = await createUser(app, 'customer')
    const endpoint = await createEndpoint(app, admin, 'http://127.0.0.1:9/hooks', ['order.created'])
    t.equal((await postOrder(app, customer, { items: [{ product_id: (await insertProduct(app)).id, quantity: 1 }] })).statusCode, 201)
    const backlog = async (): Promise<string | undefined> => /^webhook_outbox_backlog (\d+)$/m.exec((await app.inject({ method: 'GET', url: '/metrics' })).body)?.[1]
    t.equal(await backlog(), '1', 'pending for an enabled endpoint')
    t.equal((await app.inject({ method: 'PATCH', url: `/api/webhooks/${endpoint.id}`, headers: admin.headers, payload: { enabled: false } })).statusCode, 200)
    t.equal(await backlog(), '0', 'paused: not in the backlog')
  })

  t.test('only subscribed, enabled endpoints get an event', async (t) => {
    const app = await buildOrdersApp(t, { env: FAST_WEBHOOKS })
    const admin = await createUser(app, 'admin')
    const customer = await createUser(app, 'customer')
    const receiver = await startReceiver(t)
    const statusOnly = await createEndpoint(app, admin, receiver.url, ['order.status_changed'])
    const disabled = await createEndpoint(app, admin, receiver.url, ['order.created'])
    t.equal((await app.inject({ method: 'PATCH', url: `/api/webhooks/${disabled.id}`, headers: admin.headers, payload: { enabled: false } })).statusCode, 200)
    const product = await insertProduct(app)
    t.equal((await postOrder(app, customer, { items: [{ product_id: product.id, quantity: 1 }] })).statusCode, 201)
    t.equal(await eventCount(app), 1, 'the event is in the outbox')
    t.same(await deliveriesOf(app, admin, statusOnly.id), [], 'not subscribed to order.created')
    t.same(await deliveriesOf(app, admin, disabled.id), [], 'disabled')
  })
})
