import { randomUUID } from 'node:crypto'
import { suite } from '../helpers/suite.js'
import { adminClient, createProduct, registerCustomer } from './flows.js'
import { startServer } from '../helpers/server-process.js'
import { assertHeadersDeclared, recordExchanges } from './header-audit.js'

export default suite(import.meta, async (t) => {
  recordExchanges(t)
  const server = await startServer(t)

  t.test('an order with several items: totals, captured prices, stock decremented', async (t) => {
    const admin = await adminClient(server.baseUrl)
    const mug = await createProduct(admin, { price_cents: 1250, stock: 10 })
    const tea = await createProduct(admin, { price_cents: 499, stock: 5 })
    const pot = await createProduct(admin, { price_cents: 3900, stock: 2 })
    const customer = await registerCustomer(server.baseUrl, 'buyer')

    const created = await customer.client.POST('/api/orders', {
      body: { items: [{ product_id: mug.id, quantity: 2 }, { product_id: tea.id, quantity: 3 }, { product_id: pot.id, quantity: 1 }, { product_id: mug.id, quantity: 1 }] }
    })
    t.equal(created.response.status, 201)
    const order = created.data
    if (order === undefined) throw new Error('no order')
    t.equal(created.response.headers.get('location'), `/api/orders/${order.id}`)
    t.match(order, { customer_id: customer.customerId, status: 'pending', currency: 'EUR' })
    t.equal(order.items.length, 3, 'duplicate product lines are merged')
    const line = (id: string): { quantity: number, unit_price_cents: number, subtotal_cents: number } | undefined => order.items.find((i) => i.product_id === id)
    t.match(line(mug.id), { quantity: 3, unit_price_cents: 1250, subtotal_cents: 3750 })
    t.match(line(tea.id), { quantity: 3, unit_price_cents: 499, subtotal_cents: 1497 })
    t.match(line(pot.id), { quantity: 1, unit_price_cents: 3900, subtotal_cents: 3900 })
    t.equal(order.total_cents, 3750 + 1497 + 3900, 'the total is the sum of the lines')
    t.ok(order.allowed_transitions.includes('cancelled'), 'a customer may cancel its pending order')

    for (const [product, left] of [[mug, 7], [tea, 2], [pot, 1]] as const) {
      const { data } = await customer.client.GET('/api/products/{id}', { params: { path: { id: product.id } } })
      t.equal(data?.stock, left, `stock of ${product.sku} decremented`)
    }

    const fetched = await customer.client.GET('/api/orders/{id}', { params: { path: { id: order.id } } })
    t.same(fetched.data, order, 'GET returns the order as created')
    const mine = await customer.client.GET('/api/orders')
    t.same(mine.data?.data.map((o) => o.id), [order.id], 'the customer lists only its own order')

    const other = await registerCustomer(server.baseUrl, 'other')
    const foreign = await other.client.GET('/api/orders/{id}', { params: { path: { id: order.id } } })
    t.equal(foreign.response.status, 404, 'someone else\'s order does not exist for you')

    // A price change later does not rewrite history.
    await admin.PATCH('/api/products/{id}', { params: { path: { id: mug.id } }, body: { price_cents: 9999 } })
    const again = await customer.client.GET('/api/orders/{id}', { params: { path: { id: order.id } } })
    t.equal(again.data?.total_cents, order.total_cents, 'the captured unit price is kept')

    const cancelled = await customer.client.POST('/api/orders/{id}/transitions', { params: { path: { id: order.id } }, body: { status: 'cancelled' } })
    t.equal(cancelled.data?.status, 'cancelled')
    const { data: restocked } = await customer.client.GET('/api/products/{id}', { params: { path: { id: pot.id } } })
    t.equal(restocked?.stock, 2, 'cancelling restocks')
    const illegal = await admin.POST('/api/orders/{id}/transitions', { params: { path: { id: order.id } }, body: { status: 'paid' } })
    t.equal(illegal.response.status, 409)
    t.equal(illegal.error?.code, 'INVALID_TRANSITION')
  })

  t.test('not enough stock: 409 listing the short items, nothing written', async (t) => {
    const admin = await adminClient(server.baseUrl)
    const plenty = await createProduct(admin, { price_cents: 100, stock: 50 })
    const scarce = await createProduct(admin, { price_cents: 200, stock: 1 })
    const customer = await registerCustomer(server.baseUrl, 'short')

    const res = await customer.client.POST('/api/orders', { body: { items: [{ product_id: plenty.id, quantity: 5 }, { product_id: scarce.id, quantity: 2 }] } })
    t.equal(res.response.status, 409)
    t.equal(res.error?.code, 'INSUFFICIENT_STOCK')
    t.match(res.error, { items: [{ product_id: scarce.id, requested: 2, available: 1 }] })
    const { data } = await customer.client.GET('/api/products/{id}', { params: { path: { id: plenty.id } } })
    t.equal(data?.stock, 50, 'the other line did not take stock')
    const orders = await customer.client.GET('/api/orders')
    t.same(orders.data?.data, [], 'no order was written')

    const unknown = await customer.client.POST('/api/orders', { body: { items: [{ product_id: randomUUID(), quantity: 1 }] } })
    t.equal(unknown.response.status, 422)
    t.equal(unknown.error?.code, 'UNKNOWN_PRODUCT')
    t.match(unknown.error?.errors, [{ pointer: '/items/0/product_id' }])
  })

  t.test('Idempotency-Key: replay, reuse with another body, scoped to the caller', async (t) => {
    const admin = await adminClient(server.baseUrl)
    const product = await createProduct(admin, { price_cents: 750, stock: 20 })
    const customer = await registerCustomer(server.baseUrl, 'retry')
    const key = `checkout-${randomUUID()}`
    const body = { items: [{ product_id: product.id, quantity: 2 }] }
    const header = { 'idempotency-key': key }

    const first = await customer.client.POST('/api/orders', { params: { header }, body })
    t.equal(first.response.status, 201)
    t.equal(first.response.headers.get('idempotent-replayed'), null)
    const replay = await customer.client.POST('/api/orders', { params: { header }, body })
    t.equal(replay.response.status, 201, 'the original status again')
    t.equal(replay.response.headers.get('idempotent-replayed'), 'true')
    t.same(replay.data, first.data, 'the original body again')
    const { data: after } = await customer.client.GET('/api/products/{id}', { params: { path: { id: product.id } } })
    t.equal(after?.stock, 18, 'stock was taken once')

    const reused = await customer.client.POST('/api/orders', { params: { header }, body: { items: [{ product_id: product.id, quantity: 3 }] } })
    t.equal(reused.response.status, 422)
    t.equal(reused.error?.code, 'IDEMPOTENCY_KEY_REUSED')

    const someoneElse = await registerCustomer(server.baseUrl, 'retry-other')
    const theirs = await someoneElse.client.POST('/api/orders', { params: { header }, body })
    t.equal(theirs.response.status, 201, 'another caller with the same key gets its own order')
    t.not(theirs.data?.id, first.data?.id)
    t.equal(theirs.response.headers.get('idempotent-replayed'), null)
  })

  t.test('concurrent buyers never oversell the last units', async (t) => {
    const admin = await adminClient(server.baseUrl)
    const product = await createProduct(admin, { price_cents: 4999, stock: 3 })
    const buyers = await Promise.all(Array.from({ length: 4 }, async (_, i) => await registerCustomer(server.baseUrl, `race${i}`)))
    const attempts = await Promise.all(buyers.flatMap((b) => [1, 2, 3].map(async () =>
      await b.client.POST('/api/orders', { body: { items: [{ product_id: product.id, quantity: 1 }] } }))))
    const statuses = attempts.map((a) => a.response.status)
    t.equal(statuses.filter((s) => s === 201).length, 3, 'exactly `stock` orders succeed')
    t.equal(statuses.filter((s) => s === 409).length, attempts.length - 3, 'the rest are 409')
    t.ok(attempts.filter((a) => a.response.status === 409).every((a) => a.error?.code === 'INSUFFICIENT_STOCK'))
    const { data } = await admin.GET('/api/products/{id}', { params: { path: { id: product.id } } })
    t.equal(data?.stock, 0, 'sold out, not below')
  })

  t.test('every response header this file received is declared in the document', async (t) => {
    await assertHeadersDeclared(t, server.baseUrl)
  })
})
