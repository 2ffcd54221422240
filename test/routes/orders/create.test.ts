import { suite } from '../../helpers/suite.js'
import { createUser } from '../../helpers/users.js'
import { buildOrdersApp, countRows, insertProduct, postOrder, stockOf } from './fixtures/orders.js'

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

export default suite(import.meta, (t) => {
  t.test('a customer places an order: 201, Location, server totals, stock decremented', async (t) => {
    const app = await buildOrdersApp(t)
    const alice = await createUser(app, 'customer')
    const shirt = await insertProduct(app, { price_cents: 1999, stock: 10, name: 'Blue shirt' })
    const mug = await insertProduct(app, { price_cents: 650, stock: 5 })

    const res = await postOrder(app, alice, { items: [{ product_id: shirt.id, quantity: 2 }, { product_id: mug.id, quantity: 3 }] })
    t.equal(res.statusCode, 201, res.body)
    const order = res.json()
    t.match(order.id, UUID)
    t.equal(res.headers.location, `/api/orders/${order.id}`)
    t.type(res.headers.etag, 'string')
    t.equal(order.customer_id, alice.customerId)
    t.equal(order.status, 'pending')
    t.equal(order.currency, 'EUR')
    t.equal(order.total_cents, 2 * 1999 + 3 * 650)
    t.same(order.allowed_transitions, ['cancelled'], 'a customer may only cancel')
    t.equal(order.items.length, 2)
    for (const item of order.items) t.equal(item.subtotal_cents, item.unit_price_cents * item.quantity)
    t.equal(order.total_cents, order.items.reduce((sum: number, item: { subtotal_cents: number }) => sum + item.subtotal_cents, 0))
    const shirtLine = order.items.find((item: { product_id: string }) => item.product_id === shirt.id)
    t.same(shirtLine, { product_id: shirt.id, sku: shirt.sku, name: 'Blue shirt', quantity: 2, unit_price_cents: 1999, subtotal_cents: 3998 })
    t.same(order.items.map((i: { product_id: string }) => i.product_id), [shirt.id, mug.id].sort(), 'items sorted by product_id')
    t.match(order.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)

    t.equal(await stockOf(app, shirt.id), 8)
    t.equal(await stockOf(app, mug.id), 2)
    const stored = await app.db.selectFrom('orders').selectAll().where('id', '=', order.id).executeTakeFirstOrThrow()
    t.equal(stored.total_cents, order.total_cents)

    const fetched = await app.inject({ method: 'GET', url: res.headers.location, headers: alice.headers })
    t.equal(fetched.statusCode, 200)
    t.same(fetched.json(), order, 'GET returns what POST returned')
  })

  t.test('the currency comes from STORE_CURRENCY', async (t) => {
    const app = await buildOrdersApp(t, { env: { STORE_CURRENCY: 'USD' } })
    const user = await createUser(app, 'customer')
    const product = await insertProduct(app)
    const res = await postOrder(app, user, { items: [{ product_id: product.id, quantity: 1 }] })
    t.equal(res.statusCode, 201)
    t.equal(res.json().currency, 'USD')
  })

  t.test('duplicate product lines are merged; a merged quantity over 1000 is a 400', async (t) => {
    const app = await buildOrdersApp(t)
    const user = await createUser(app, 'customer')
    const product = await insertProduct(app, { price_cents: 100, stock: 5000 })

    const res = await postOrder(app, user, { items: [{ product_id: product.id, quantity: 2 }, { product_id: product.id.toUpperCase(), quantity: 5 }] })
    t.equal(res.statusCode, 201, res.body)
    t.equal(res.json().items.length, 1)
    t.equal(res.json().items[0].quantity, 7)
    t.equal(res.json().total_cents, 700)
    t.equal(await stockOf(app, product.id), 4993)

    const over = await postOrder(app, user, { items: [{ product_id: product.id, quantity: 600 }, { product_id: product.id, quantity: 401 }] })
    t.equal(over.statusCode, 400)
    t.equal(over.json().code, 'VALIDATION_FAILED')
    t.equal(over.json().errors[0].pointer, '/items/1/quantity')
    t.equal(await countRows(app, 'orders'), 1)
    t.equal(await stockOf(app, product.id), 4993)
  })

  t.test('prices changed after ordering do not change the order', async (t) => {
    const app = await buildOrdersApp(t)
    const user = await createUser(app, 'customer')
    const product = await insertProduct(app, { price_cents: 500, name: 'Old name' })
    const res = await postOrder(app, user, { items: [{ product_id: product.id, quantity: 4 }] })
    t.equal(res.statusCode, 201)

    await app.db.updateTable('products').set({ price_cents: 9999, name: 'New name', sku: 'RENAMED-1' }).where('id', '=', product.id).execute()
    const later = await app.inject({ method: 'GET', url: `/api/orders/${res.json().id}`, headers: user.headers })
    t.equal(later.json().total_cents, 2000)
    t.same(later.json().items[0], { product_id: product.id, sku: product.sku, name: 'Old name', quantity: 4, unit_price_cents: 500, subtotal_cents: 2000 })
  })

  t.test('customers order only for themselves; staff must name an existing customer', async (t) => {
    const app = await buildOrdersApp(t)
    const alice = await createUser(app, 'customer')
    const bob = await createUser(app, 'customer')
    const staff = await createUser(app, 'staff')
    const admin = await createUser(app, 'admin')
    const product = await insertProduct(app, { stock: 10 })
    const items = [{ product_id: product.id, quantity: 1 }]

    const foreign = await postOrder(app, alice, { customer_id: bob.customerId, items })
    t.equal(foreign.statusCode, 404)
    t.equal(foreign.json().code, 'CUSTOMER_NOT_FOUND')
    t.equal(foreign.headers['content-type'], 'application/problem+json; charset=utf-8')

    const own = await postOrder(app, alice, { customer_id: alice.customerId, items })
    t.equal(own.statusCode, 201)
    t.equal(own.json().customer_id, alice.customerId)

    const missing = await postOrder(app, staff, { items })
    t.equal(missing.statusCode, 400)
    t.equal(missing.json().code, 'VALIDATION_FAILED')
    t.same(missing.json().errors[0], { pointer: '/customer_id', in: 'body', detail: 'is required for staff and admin callers' })

    const unknown = await postOrder(app, staff, { customer_id: '00000000-0000-4000-8000-000000000000', items })
    t.equal(unknown.statusCode, 422)
    t.equal(unknown.json().code, 'UNKNOWN_CUSTOMER')
    t.equal(unknown.json().errors[0].pointer, '/customer_id')

    const forBob = await postOrder(app, staff, { customer_id: bob.customerId, items })
    t.equal(forBob.statusCode, 201)
    t.equal(forBob.json().customer_id, bob.customerId)
    t.same(forBob.json().allowed_transitions, ['paid', 'cancelled'], 'staff see the full machine')

    const byAdmin = await postOrder(app, admin, { customer_id: alice.customerId, items })
    t.equal(byAdmin.statusCode, 201)

    t.equal(await countRows(app, 'orders'), 3)
    t.equal(await stockOf(app, product.id), 7)
  })
})
