import { suite } from '../../helpers/suite.js'
import { createUser } from '../../helpers/users.js'
import { buildOrdersApp, countRows, insertProduct, metricValue, postOrder, stockOf } from './fixtures/orders.js'

export default suite(import.meta, (t) => {
  t.test('unknown or archived products -> 422 UNKNOWN_PRODUCT with pointers; nothing written', async (t) => {
    const app = await buildOrdersApp(t)
    const user = await createUser(app, 'customer')
    const product = await insertProduct(app, { stock: 10 })
    const archived = await insertProduct(app, { stock: 10, archived: true })
    const ghost = '00000000-0000-4000-8000-000000000001'

    const res = await postOrder(app, user, { items: [{ product_id: product.id, quantity: 1 }, { product_id: ghost, quantity: 1 }] })
    t.equal(res.statusCode, 422)
    t.equal(res.json().code, 'UNKNOWN_PRODUCT')
    t.same(res.json().errors, [{ pointer: '/items/1/product_id', in: 'body', detail: 'does not reference an available product' }])

    const old = await postOrder(app, user, { items: [{ product_id: archived.id, quantity: 1 }] })
    t.equal(old.statusCode, 422)
    t.equal(old.json().errors[0].pointer, '/items/0/product_id')

    t.equal(await countRows(app, 'orders'), 0)
    t.equal(await stockOf(app, product.id), 10)
    t.equal(await stockOf(app, archived.id), 10)
  })

  t.test('not enough stock -> 409 INSUFFICIENT_STOCK listing each short product; nothing written', async (t) => {
    const app = await buildOrdersApp(t)
    const user = await createUser(app, 'customer')
    const a = await insertProduct(app, { stock: 2 })
    const b = await insertProduct(app, { stock: 0 })
    const c = await insertProduct(app, { stock: 50 })

    const res = await postOrder(app, user, { items: [{ product_id: c.id, quantity: 5 }, { product_id: a.id, quantity: 3 }, { product_id: b.id, quantity: 1 }] })
    t.equal(res.statusCode, 409)
    const body = res.json()
    t.equal(body.code, 'INSUFFICIENT_STOCK')
    t.equal(body.type, '/problems/insufficient-stock')
    const expected = [{ product_id: a.id, requested: 3, available: 2 }, { product_id: b.id, requested: 1, available: 0 }]
      .sort((x, y) => (x.product_id < y.product_id ? -1 : 1))
    t.same(body.items, expected)
    t.same(body.errors.map((e: { pointer: string }) => e.pointer).sort(), ['/items/1/quantity', '/items/2/quantity'])

    t.equal(await countRows(app, 'orders'), 0)
    t.equal(await countRows(app, 'order_items'), 0)
    t.equal(await stockOf(app, a.id), 2)
    t.equal(await stockOf(app, c.id), 50)
  })

  t.test('invalid bodies -> 400 and nothing written', async (t) => {
    const app = await buildOrdersApp(t)
    const user = await createUser(app, 'customer')
    const product = await insertProduct(app, { stock: 10 })
    const line = { product_id: product.id, quantity: 1 }
    const cases: Array<[string, unknown, string]> = [
      ['no items', { items: [] }, '/items'],
      ['items missing', {}, '/items'],
      ['101 lines', { items: Array.from({ length: 101 }, () => line) }, '/items'],
      ['quantity 0', { items: [{ ...line, quantity: 0 }] }, '/items/0/quantity'],
      ['quantity 1001', { items: [{ ...line, quantity: 1001 }] }, '/items/0/quantity'],
      ['quantity "2"', { items: [{ ...line, quantity: '2' }] }, '/items/0/quantity'],
      ['quantity 1.5', { items: [{ ...line, quantity: 1.5 }] }, '/items/0/quantity'],
      ['product_id not a uuid', { items: [{ ...line, product_id: 'abc' }] }, '/items/0/product_id'],
      ['unknown top-level field', { items: [line], total_cents: 1 }, '/total_cents'],
      ['unknown line field', { items: [{ ...line, unit_price_cents: 1 }] }, '/items/0/unit_price_cents'],
      ['customer_id not a uuid', { items: [line], customer_id: 42 }, '/customer_id'],
      ['items not an array', { items: 'lots' }, '/items']
    ]
    for (const [name, payload, pointer] of cases) {
      const res = await postOrder(app, user, payload)
      t.equal(res.statusCode, 400, name)
      t.equal(res.json().code, 'VALIDATION_FAILED', name)
      t.ok(res.json().errors.some((e: { pointer: string }) => e.pointer === pointer), `${name}: pointer ${pointer} in ${res.body}`)
    }
    const malformed = await app.inject({ method: 'POST', url: '/api/orders', headers: { ...user.headers, 'content-type': 'application/json' }, payload: '{"items": [' })
    t.equal(malformed.statusCode, 400)
    t.equal(malformed.json().code, 'MALFORMED_JSON')
    const anonymous = await app.inject({ method: 'POST', url: '/api/orders', payload: { items: [line] } })
    t.equal(anonymous.statusCode, 401)
    t.equal(anonymous.json().code, 'TOKEN_MISSING')
    t.equal(await countRows(app, 'orders'), 0)
    t.equal(await stockOf(app, product.id), 10)
  })

  t.test('100 lines are accepted', async (t) => {
    const app = await buildOrdersApp(t)
    const user = await createUser(app, 'customer')
    const products = await Promise.all(Array.from({ length: 100 }, async (_, i) => await insertProduct(app, { price_cents: i, stock: 1 })))
    const res = await postOrder(app, user, { items: products.map((p) => ({ product_id: p.id, quantity: 1 })) })
    t.equal(res.statusCode, 201, res.body)
    t.equal(res.json().items.length, 100)
    t.equal(res.json().total_cents, (99 * 100) / 2)
  })

  t.test('created orders count in the metrics (after commit only)', async (t) => {
    const app = await buildOrdersApp(t)
    const user = await createUser(app, 'customer')
    const product = await insertProduct(app, { price_cents: 250, stock: 3 })
    const ordersBefore = await metricValue(app, 'orders_created_total')
    const revenueBefore = await metricValue(app, 'order_revenue_cents_total')

    t.equal((await postOrder(app, user, { items: [{ product_id: product.id, quantity: 2 }] })).statusCode, 201)
    t.equal((await postOrder(app, user, { items: [{ product_id: product.id, quantity: 2 }] })).statusCode, 409)

    t.equal(await metricValue(app, 'orders_created_total'), ordersBefore + 1)
    t.equal(await metricValue(app, 'order_revenue_cents_total'), revenueBefore + 500)
  })
})
