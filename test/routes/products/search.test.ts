import { suite } from '../../helpers/suite.js'
import type { FastifyInstance } from 'fastify'
import { buildTestApp } from '../../helpers/app.js'
import { createUser, type TestUser } from '../../helpers/users.js'
import { createProduct, orderProduct, seedProducts } from './fixtures/products.js'

async function skus (app: FastifyInstance, user: TestUser, query: string): Promise<string[]> {
  const res = await app.inject({ method: 'GET', url: `/api/products?limit=100&${query}`, headers: user.headers })
  if (res.statusCode !== 200) throw new Error(`${query}: ${res.statusCode} ${res.body}`)
  return res.json().data.map((p: { sku: string }) => p.sku).sort()
}

export default suite(import.meta, (t) => {
  t.test('q matches name or sku case-insensitively; % _ and \\ are literal', async (t) => {
    const app = await buildTestApp(t)
    const user = await createUser(app, 'customer')
    await seedProducts(app, [
      { sku: 'TSHIRT-RED', name: 'Red T-Shirt' },
      { sku: 'MUG-1', name: 'Coffee mug' },
      { sku: 'SHIRT_BLUE', name: 'Blue shirt' },
      { sku: 'SALE-50', name: 'Sale 50% off' },
      { sku: 'SALE-5X', name: 'Sale 5x off' },
      { sku: 'PATH-1', name: 'Back\\slash' },
      { sku: 'ABC', name: 'Plain' }
    ])
    t.same(await skus(app, user, 'q=shirt'), ['SHIRT_BLUE', 'TSHIRT-RED'])
    t.same(await skus(app, user, 'q=SHIRT'), ['SHIRT_BLUE', 'TSHIRT-RED'])
    t.same(await skus(app, user, 'q=mug-1'), ['MUG-1'], 'sku match')
    t.same(await skus(app, user, `q=${encodeURIComponent('50%')}`), ['SALE-50'])
    t.same(await skus(app, user, `q=${encodeURIComponent('%')}`), ['SALE-50'], '% is not a wildcard')
    t.same(await skus(app, user, 'q=_'), ['SHIRT_BLUE'], '_ is not a wildcard')
    t.same(await skus(app, user, `q=${encodeURIComponent('\\')}`), ['PATH-1'], 'backslash is not an escape')
    t.same(await skus(app, user, 'q=nothing-like-this'), [])
    const empty = await app.inject({ method: 'GET', url: '/api/products?q=', headers: user.headers })
    t.equal(empty.statusCode, 400)
    const long = await app.inject({ method: 'GET', url: `/api/products?q=${'a'.repeat(101)}`, headers: user.headers })
    t.equal(long.statusCode, 400)
  })

  t.test('price and stock filters, combined with search, sort and pagination', async (t) => {
    const app = await buildTestApp(t)
    const user = await createUser(app, 'staff')
    await seedProducts(app, [
      { sku: 'FREE', name: 'free gift', price_cents: 0, stock: 0 },
      { sku: 'CHEAP', name: 'cheap gift', price_cents: 500, stock: 3 },
      { sku: 'MID', name: 'mid gift', price_cents: 1500, stock: 0 },
      { sku: 'DEAR', name: 'dear thing', price_cents: 9900, stock: 1 }
    ])
    t.same(await skus(app, user, 'min_price_cents=500'), ['CHEAP', 'DEAR', 'MID'], 'min is inclusive')
    t.same(await skus(app, user, 'max_price_cents=1500'), ['CHEAP', 'FREE', 'MID'], 'max is inclusive')
    t.same(await skus(app, user, 'min_price_cents=500&max_price_cents=1500'), ['CHEAP', 'MID'])
    t.same(await skus(app, user, 'min_price_cents=700&max_price_cents=700'), [])
    t.same(await skus(app, user, 'in_stock=true'), ['CHEAP', 'DEAR'])
    t.same(await skus(app, user, 'in_stock=false'), ['FREE', 'MID'])
    t.same(await skus(app, user, 'in_stock=true&q=gift&max_price_cents=1000'), ['CHEAP'])

    const page1 = await app.inject({ method: 'GET', url: '/api/products?q=gift&sort=-price_cents&limit=2', headers: user.headers })
    t.same(page1.json().data.map((p: { sku: string }) => p.sku), ['MID', 'CHEAP'])
    const page2 = await app.inject({ method: 'GET', url: `/api/products?q=gift&sort=-price_cents&limit=2&cursor=${page1.json().next_cursor}`, headers: user.headers })
    t.same(page2.json().data.map((p: { sku: string }) => p.sku), ['FREE'])
    t.equal(page2.json().next_cursor, null)
    t.equal(page2.headers.link, undefined)
    t.match(page1.headers.link, /^<\/api\/products\?q=gift&sort=-price_cents&limit=2&cursor=[A-Za-z0-9_-]+>; rel="next"$/)

    for (const query of ['min_price_cents=-1', 'max_price_cents=10000000001', 'min_price_cents=abc', 'in_stock=maybe', 'min_price_cents=2000&max_price_cents=1000']) {
      const res = await app.inject({ method: 'GET', url: `/api/products?${query}`, headers: user.headers })
      t.equal(res.statusCode, 400, query)
      t.equal(res.json().code, 'VALIDATION_FAILED', query)
    }
  })

  t.test('list items have the public shape; archived products are not listed', async (t) => {
    const app = await buildTestApp(t, { env: { STORE_CURRENCY: 'GBP' } })
    const staff = await createUser(app, 'staff')
    const customer = await createUser(app, 'customer')
    const kept = await createProduct(app, staff, { sku: 'KEPT' })
    const gone = await createProduct(app, staff, { sku: 'GONE' })
    await orderProduct(app, gone.id, customer.customerId ?? '')
    t.equal((await app.inject({ method: 'DELETE', url: `/api/products/${gone.id}`, headers: staff.headers })).statusCode, 204)

    const res = await app.inject({ method: 'GET', url: '/api/products', headers: customer.headers })
    t.equal(res.statusCode, 200)
    const body = res.json()
    t.same(Object.keys(body).sort(), ['data', 'next_cursor'])
    t.equal(body.next_cursor, null)
    t.equal(body.data.length, 1)
    t.same(body.data[0], kept.body)
    t.equal(body.data[0].currency, 'GBP')
    t.same(Object.keys(body.data[0]).sort(), ['created_at', 'currency', 'description', 'id', 'name', 'price_cents', 'sku', 'stock', 'updated_at'])
    t.same(await skus(app, customer, 'q=GONE'), [])
  })
})
