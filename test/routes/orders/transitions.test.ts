import { suite } from '../../helpers/suite.js'
import { createUser } from '../../helpers/users.js'
import { buildOrdersApp, insertProduct, postOrder, stockOf, transition } from './fixtures/orders.js'

export default suite(import.meta, (t) => {
  t.test('staff walk an order through the machine; illegal moves -> 409', async (t) => {
    const app = await buildOrdersApp(t)
    const customer = await createUser(app, 'customer')
    const staff = await createUser(app, 'staff')
    const product = await insertProduct(app, { stock: 5 })
    const order = (await postOrder(app, customer, { items: [{ product_id: product.id, quantity: 2 }] })).json()

    const skip = await transition(app, staff, order.id, 'shipped')
    t.equal(skip.statusCode, 409)
    t.equal(skip.json().code, 'INVALID_TRANSITION')
    t.equal(skip.json().current_status, 'pending')

    const steps: Array<[string, string[]]> = [['paid', ['shipped', 'cancelled']], ['shipped', ['delivered']], ['delivered', []]]
    let previousEtag: string | undefined
    for (const [status, allowed] of steps) {
      const res = await transition(app, staff, order.id, status)
      t.equal(res.statusCode, 200, res.body)
      t.equal(res.json().status, status)
      t.same(res.json().allowed_transitions, allowed)
      t.type(res.headers.etag, 'string')
      t.not(res.headers.etag, previousEtag, 'each change gives a new ETag')
      previousEtag = String(res.headers.etag)
    }

    for (const status of ['cancelled', 'pending', 'paid', 'delivered']) {
      const res = await transition(app, staff, order.id, status)
      t.equal(res.statusCode, 409, `delivered -> ${status}`)
      t.equal(res.json().code, 'INVALID_TRANSITION')
    }
    t.equal(await stockOf(app, product.id), 3, 'a delivered order keeps its stock')

    const bad = await transition(app, staff, order.id, 'lost')
    t.equal(bad.statusCode, 400)
    t.equal(bad.json().code, 'VALIDATION_FAILED')
    const extra = await app.inject({ method: 'POST', url: `/api/orders/${order.id}/transitions`, headers: staff.headers, payload: { status: 'paid', note: 'x' } })
    t.equal(extra.statusCode, 400)
    t.equal(extra.json().errors[0].pointer, '/note')
    const notUuid = await transition(app, staff, 'not-a-uuid', 'paid')
    t.equal(notUuid.statusCode, 400)
    const unknown = await transition(app, staff, '00000000-0000-4000-8000-000000000000', 'paid')
    t.equal(unknown.statusCode, 404)
    t.equal(unknown.json().code, 'ORDER_NOT_FOUND')
  })

  t.test('cancelling restocks every item; paid orders can be cancelled by staff', async (t) => {
    const app = await buildOrdersApp(t)
    const customer = await createUser(app, 'customer')
    const admin = await createUser(app, 'admin')
    const a = await insertProduct(app, { stock: 10 })
    const b = await insertProduct(app, { stock: 4 })
    const order = (await postOrder(app, customer, { items: [{ product_id: a.id, quantity: 3 }, { product_id: b.id, quantity: 4 }] })).json()
    t.equal(await stockOf(app, a.id), 7)
    t.equal(await stockOf(app, b.id), 0)

    t.equal((await transition(app, admin, order.id, 'paid')).statusCode, 200)
    const cancelled = await transition(app, admin, order.id, 'cancelled')
    t.equal(cancelled.statusCode, 200)
    t.equal(cancelled.json().status, 'cancelled')
    t.same(cancelled.json().allowed_transitions, [])
    t.equal(cancelled.json().total_cents, order.total_cents, 'the order keeps its lines and total')
    t.equal(await stockOf(app, a.id), 10)
    t.equal(await stockOf(app, b.id), 4)

    const twice = await transition(app, admin, order.id, 'cancelled')
    t.equal(twice.statusCode, 409)
    t.equal(await stockOf(app, a.id), 10, 'no double restock')
  })

  t.test('a customer may cancel its own pending order, and nothing else', async (t) => {
    const app = await buildOrdersApp(t)
    const alice = await createUser(app, 'customer')
    const bob = await createUser(app, 'customer')
    const staff = await createUser(app, 'staff')
    const product = await insertProduct(app, { stock: 10 })
    const items = [{ product_id: product.id, quantity: 1 }]
    const first = (await postOrder(app, alice, { items })).json()
    const second = (await postOrder(app, alice, { items })).json()

    const pay = await transition(app, alice, first.id, 'paid')
    t.equal(pay.statusCode, 403)
    t.equal(pay.json().code, 'FORBIDDEN')

    const foreign = await transition(app, bob, first.id, 'cancelled')
    t.equal(foreign.statusCode, 404, 'someone else\'s order does not exist for bob')
    t.equal(foreign.json().code, 'ORDER_NOT_FOUND')

    const own = await transition(app, alice, first.id, 'cancelled')
    t.equal(own.statusCode, 200)
    t.equal(own.json().status, 'cancelled')

    t.equal((await transition(app, staff, second.id, 'paid')).statusCode, 200)
    const paidCancel = await transition(app, alice, second.id, 'cancelled')
    t.equal(paidCancel.statusCode, 403, 'a paid order is no longer the customer\'s to cancel')
    t.equal(paidCancel.json().code, 'FORBIDDEN')
    const seen = await app.inject({ method: 'GET', url: `/api/orders/${second.id}`, headers: alice.headers })
    t.same(seen.json().allowed_transitions, [], 'allowed_transitions are the caller\'s')
    const seenByStaff = await app.inject({ method: 'GET', url: `/api/orders/${second.id}`, headers: staff.headers })
    t.same(seenByStaff.json().allowed_transitions, ['shipped', 'cancelled'])

    t.equal(await stockOf(app, product.id), 9)
  })

  t.test('If-Match on a transition: a stale ETag -> 412 and nothing changes', async (t) => {
    const app = await buildOrdersApp(t)
    const customer = await createUser(app, 'customer')
    const staff = await createUser(app, 'staff')
    const product = await insertProduct(app, { stock: 10 })
    const created = await postOrder(app, customer, { items: [{ product_id: product.id, quantity: 1 }] })
    const order = created.json()
    const etag = String(created.headers.etag)
    const got = await app.inject({ method: 'GET', url: `/api/orders/${order.id}`, headers: customer.headers })
    t.equal(got.headers.etag, etag, 'POST and GET agree on the ETag')
    // Staff hold the customer's tag here: If-Match compares the state, whoever's view named it.

    const paid = await transition(app, staff, order.id, 'paid', { 'if-match': etag })
    t.equal(paid.statusCode, 200)
    const stale = await transition(app, staff, order.id, 'cancelled', { 'if-match': etag })
    t.equal(stale.statusCode, 412)
    t.equal(stale.json().code, 'PRECONDITION_FAILED')
    t.equal(await stockOf(app, product.id), 9)
    const fresh = await transition(app, staff, order.id, 'cancelled', { 'if-match': String(paid.headers.etag) })
    t.equal(fresh.statusCode, 200)
    t.equal(await stockOf(app, product.id), 10)
  })
})
