import { suite } from '../../helpers/suite.js'
import { buildTestApp } from '../../helpers/app.js'
import { createUser } from '../../helpers/users.js'
import { validProduct } from './fixtures/products.js'

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

export default suite(import.meta, (t) => {
  t.test('staff creates a product: 201, Location, ETag, currency from config, metric counted', async (t) => {
    const app = await buildTestApp(t, { env: { STORE_CURRENCY: 'USD' } })
    const staff = await createUser(app, 'staff')
    const before = (await app.metricsRegistry.getSingleMetric('products_created_total')?.get())?.values[0]?.value ?? 0

    const res = await app.inject({
      method: 'POST',
      url: '/api/products',
      headers: staff.headers,
      payload: { sku: 'TSHIRT-RED.M_1', name: 'Red T-shirt', description: 'Cotton', price_cents: 1999, stock: 7 }
    })
    t.equal(res.statusCode, 201)
    const body = res.json()
    t.match(body.id, UUID_RE)
    t.same(body, {
      id: body.id,
      sku: 'TSHIRT-RED.M_1',
      name: 'Red T-shirt',
      description: 'Cotton',
      price_cents: 1999,
      currency: 'USD',
      stock: 7,
      created_at: body.created_at,
      updated_at: body.updated_at
    })
    t.equal(new Date(body.created_at).toISOString(), body.created_at)
    t.equal(res.headers.location, `/api/products/${body.id}`)
    t.match(res.headers.etag, /^"[A-Za-z0-9_-]+"$/)

    const after = (await app.metricsRegistry.getSingleMetric('products_created_total')?.get())?.values[0]?.value ?? 0
    t.equal(after - before, 1)

    const row = await app.db.selectFrom('products').selectAll().where('id', '=', body.id).executeTakeFirstOrThrow()
    t.equal(row.price_cents, 1999)
    t.equal(row.archived_at, null)

    const get = await app.inject({ method: 'GET', url: res.headers.location ?? '', headers: staff.headers })
    t.equal(get.statusCode, 200)
    t.same(get.json(), body)
    t.equal(get.headers.etag, res.headers.etag)
  })

  t.test('admin may write too; description defaults to empty', async (t) => {
    const app = await buildTestApp(t)
    const admin = await createUser(app, 'admin')
    const res = await app.inject({ method: 'POST', url: '/api/products', headers: admin.headers, payload: { sku: 'A1', name: 'x', price_cents: 0, stock: 0 } })
    t.equal(res.statusCode, 201)
    t.equal(res.json().description, '')
    t.equal(res.json().currency, 'EUR')
  })

  t.test('create validation: missing, wrong types, out of range, bad patterns, unknown fields -> 400', async (t) => {
    const app = await buildTestApp(t)
    const staff = await createUser(app, 'staff')
    const cases: Array<[string, Record<string, unknown>, string]> = [
      ['missing sku', { name: 'n', price_cents: 1, stock: 1 }, '/sku'],
      ['missing name', { sku: 'S1', price_cents: 1, stock: 1 }, '/name'],
      ['missing price', { sku: 'S1', name: 'n', stock: 1 }, '/price_cents'],
      ['missing stock', { sku: 'S1', name: 'n', price_cents: 1 }, '/stock'],
      ['price as string', validProduct({ price_cents: '42' }), '/price_cents'],
      ['stock as string', validProduct({ stock: '3' }), '/stock'],
      ['fractional price', validProduct({ price_cents: 19.99 }), '/price_cents'],
      ['negative price', validProduct({ price_cents: -1 }), '/price_cents'],
      ['price above 10^10', validProduct({ price_cents: 10_000_000_001 }), '/price_cents'],
      ['negative stock', validProduct({ stock: -1 }), '/stock'],
      ['huge stock', validProduct({ stock: 1_000_000_001 }), '/stock'],
      ['empty name', validProduct({ name: '' }), '/name'],
      ['blank name', validProduct({ name: '   \t ' }), '/name'],
      ['a name of control characters only', validProduct({ name: '\u0007\u001b\u007f' }), '/name'],
      ['invisible name (zero-width characters, BOM)', validProduct({ name: '\u200b\u200d\ufeff' }), '/name'],
      ['invisible name (soft hyphens and a no-break space)', validProduct({ name: '\u00ad\u00a0\u00ad' }), '/name'],
      ['a NUL in the name (Postgres stores none)', validProduct({ name: 'Red\u0000shirt' }), '/name'],
      ['long name', validProduct({ name: 'x'.repeat(201) }), '/name'],
      ['name null', validProduct({ name: null }), '/name'],
      ['bad sku chars', validProduct({ sku: 'has space' }), '/sku'],
      ['sku leading dash', validProduct({ sku: '-abc' }), '/sku'],
      ['sku too long', validProduct({ sku: 'a'.repeat(65) }), '/sku'],
      ['long description', validProduct({ description: 'd'.repeat(5001) }), '/description'],
      ['unknown field', validProduct({ color: 'red' }), '/color']
    ]
    for (const [label, payload, pointer] of cases) {
      const res = await app.inject({ method: 'POST', url: '/api/products', headers: staff.headers, payload })
      t.equal(res.statusCode, 400, label)
      const body = res.json()
      t.equal(body.code, 'VALIDATION_FAILED', label)
      t.ok(body.errors.some((e: { pointer: string }) => e.pointer === pointer), `${label} points at ${pointer}`)
    }
    const edge = await app.inject({ method: 'POST', url: '/api/products', headers: staff.headers, payload: validProduct({ name: 'x'.repeat(200), price_cents: 10_000_000_000, stock: 1_000_000_000, sku: 'a'.repeat(64) }) })
    t.equal(edge.statusCode, 201, 'upper bounds are inclusive')
    t.equal(edge.json().price_cents, 10_000_000_000)

    const malformed = await app.inject({ method: 'POST', url: '/api/products', headers: { ...staff.headers, 'content-type': 'application/json' }, payload: '{"sku":' })
    t.equal(malformed.statusCode, 400)
    t.equal(malformed.json().code, 'MALFORMED_JSON')
    t.equal((await app.db.selectFrom('products').select('id').execute()).length, 1)
  })

  t.test('wrong content type -> 415, oversized body -> 413', async (t) => {
    const app = await buildTestApp(t)
    const staff = await createUser(app, 'staff')
    const text = await app.inject({ method: 'POST', url: '/api/products', headers: { ...staff.headers, 'content-type': 'text/plain' }, payload: 'sku=1' })
    t.equal(text.statusCode, 415)
    const big = await app.inject({ method: 'POST', url: '/api/products', headers: staff.headers, payload: validProduct({ description: 'x'.repeat(1024 * 1024 + 10) }) })
    t.equal(big.statusCode, 413)
    t.equal((await app.db.selectFrom('products').select('id').execute()).length, 0)
  })
})
