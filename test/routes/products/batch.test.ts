import type { FastifyInstance } from 'fastify'
import { suite } from '../../helpers/suite.js'
import { buildTestApp } from '../../helpers/app.js'
import { createUser, type TestUser } from '../../helpers/users.js'
import { createProduct, validProduct } from './fixtures/products.js'

async function batch (app: FastifyInstance, user: TestUser, payload: unknown, headers: Record<string, string> = {}) {
  return await app.inject({ method: 'POST', url: '/api/products/batch', headers: { 'content-type': 'application/json', ...user.headers, ...headers }, payload: JSON.stringify(payload) })
}

async function productCount (app: FastifyInstance): Promise<number> {
  return (await app.db.selectFrom('products').select('id').execute()).length
}

async function outOfStockEvents (app: FastifyInstance): Promise<Array<{ data: unknown }>> {
  return await app.db.selectFrom('webhook_events').select('data').where('type', '=', 'product.out_of_stock').execute()
}

export default suite(import.meta, (t) => {
  t.test('refuses what is not a batch, before writing anything', async (t) => {
    const app = await buildTestApp(t)
    const staff = await createUser(app, 'staff')
    const customer = await createUser(app, 'customer')
    const one = { mode: 'per_item', items: [validProduct()] }

    t.equal((await app.inject({ method: 'POST', url: '/api/products/batch', payload: one })).statusCode, 401)
    const forbidden = await batch(app, customer, one)
    t.equal(forbidden.statusCode, 403, 'customers cannot write the catalog')
    for (const [name, payload] of [
      ['no items', { mode: 'per_item', items: [] }],
      ['1001 items', { mode: 'per_item', items: Array.from({ length: 1001 }, () => ({})) }],
      ['no mode', { items: [validProduct()] }],
      ['unknown mode', { mode: 'best_effort', items: [validProduct()] }],
      ['unknown field', { mode: 'per_item', items: [validProduct()], extra: 1 }],
      ['items not an array', { mode: 'per_item', items: {} }]
    ] as const) {
      const res = await batch(app, staff, payload)
      t.equal(res.statusCode, 400, name)
      t.equal(res.json().code, 'VALIDATION_FAILED', name)
    }
    const malformed = await app.inject({ method: 'POST', url: '/api/products/batch', headers: { ...staff.headers, 'content-type': 'application/json' }, payload: '{"mode":' })
    t.equal(malformed.statusCode, 400)
    t.equal(await productCount(app), 0, 'nothing written')
  })

  t.test('per_item: good items written, each bad one gets its problem, results in input order', async (t) => {
    const app = await buildTestApp(t)
    const staff = await createUser(app, 'staff')
    const existing = await createProduct(app, staff, { stock: 4 })
    const archived = await createProduct(app, staff)
    await app.db.updateTable('products').set({ archived_at: new Date() }).where('id', '=', archived.id).execute()
    const fresh = validProduct({ description: undefined })
    const items = [
      fresh,
      { ...validProduct(), price_cents: -1, colour: 'red' },
      { sku: existing.body.sku, name: 'Renamed', price_cents: 5, stock: 0 },
      'not an object',
      { ...validProduct(), sku: fresh.sku },
      validProduct({ sku: archived.body.sku }),
      validProduct({ name: 'nul\u0000byte' })
    ]
    const res = await batch(app, staff, { mode: 'per_item', items })
    t.equal(res.statusCode, 200)
    const { results } = res.json()
    t.same(results.map((r: { index: number }) => r.index), [0, 1, 2, 3, 4, 5, 6], 'one result per item, in input order')
    t.same(results.map((r: { status: number }) => r.status), [201, 400, 200, 400, 400, 409, 400])

    t.match(results[0].product, { sku: fresh.sku, description: '', currency: 'EUR', stock: fresh.stock })
    t.notOk('problem' in results[0])
    t.match(results[1].problem, { status: 400, code: 'VALIDATION_FAILED', type: '/problems/validation-failed', instance: '/api/products/batch' })
    t.same(results[1].problem.errors.map((e: { pointer: string }) => e.pointer).sort(), ['/items/1/colour', '/items/1/price_cents'])
    t.notOk('product' in results[1])
    t.match(results[2].product, { id: existing.id, name: 'Renamed', price_cents: 5, stock: 0, description: '' })
    t.match(results[3].problem.errors, [{ pointer: '/items/3' }])
    t.match(results[4].problem.errors, [{ pointer: '/items/4/sku', detail: 'repeats the sku of items/0' }])
    t.match(results[5].problem, { code: 'SKU_TAKEN', status: 409 })
    t.same(results[5].problem.errors.map((e: { pointer: string }) => e.pointer), ['/items/5/sku'], 'every pointer names the field in the batch request')
    t.equal(results[6].status, 400, 'a NUL byte is refused with the item, not with the batch')

    t.equal(await productCount(app), 3, 'the existing, the archived and the new one')
    const events = await outOfStockEvents(app)
    t.equal(events.length, 1, 'stock 4 -> 0 emits product.out_of_stock, as PUT does')
    t.match(events[0]?.data, { id: existing.id, stock: 0 })
    const archivedNow = await app.db.selectFrom('products').select(['name', 'archived_at']).where('id', '=', archived.id).executeTakeFirstOrThrow()
    t.equal(archivedNow.name, archived.body.name, 'the archived product is unchanged')
  })

  t.test('an item with many unknown properties keeps its field errors, capped', async (t) => {
    const app = await buildTestApp(t)
    const staff = await createUser(app, 'staff')
    const unknown = Object.fromEntries(Array.from({ length: 15 }, (_, i) => [`extra_${i}`, i]))
    const res = await batch(app, staff, { mode: 'per_item', items: [{ ...validProduct(), ...unknown }] })
    t.equal(res.statusCode, 200)
    const problem = res.json().results[0].problem
    t.match(problem, { status: 400, code: 'VALIDATION_FAILED' })
    const pointers: string[] = problem.errors.map((e: { pointer: string }) => e.pointer)
    t.ok(pointers.length > 0 && pointers.length <= 10, `some errors, at most 10 (${pointers.length})`)
    t.ok(pointers.every((pointer) => /^\/items\/0\/extra_\d+$/.test(pointer)), 'each names an unknown property of the item')
    t.equal(new Set(pointers).size, pointers.length, 'no pointer twice')
    t.equal(await productCount(app), 0, 'nothing written')
  })

  t.test('all_or_nothing: one bad item and nothing is written (409 with every result)', async (t) => {
    const app = await buildTestApp(t)
    const staff = await createUser(app, 'staff')
    const existing = await createProduct(app, staff, { stock: 3 })
    const invalidItem = await batch(app, staff, { mode: 'all_or_nothing', items: [validProduct(), { ...validProduct(), stock: -1 }] })
    t.equal(invalidItem.statusCode, 409)
    t.match(invalidItem.headers['content-type'], /application\/problem\+json/)
    t.match(invalidItem.json(), { code: 'BATCH_REJECTED', status: 409 })
    t.same(invalidItem.json().results.map((r: { status: number }) => r.status), [424, 400])
    t.match(invalidItem.json().results[0].problem, { code: 'BATCH_ABORTED' })

    const archived = await createProduct(app, staff)
    await app.db.updateTable('products').set({ archived_at: new Date() }).where('id', '=', archived.id).execute()
    const conflict = await batch(app, staff, { mode: 'all_or_nothing', items: [{ sku: existing.body.sku, name: 'x', price_cents: 1, stock: 0 }, validProduct({ sku: archived.body.sku })] })
    t.equal(conflict.statusCode, 409, 'refused inside the transaction: rolled back')
    t.same(conflict.json().results.map((r: { status: number }) => r.status), [424, 409])
    const unchanged = await app.db.selectFrom('products').select(['name', 'stock']).where('id', '=', existing.id).executeTakeFirstOrThrow()
    t.same(unchanged, { name: existing.body.name, stock: 3 }, 'the good item was not written')
    t.equal(await productCount(app), 2)
    t.equal((await outOfStockEvents(app)).length, 0, 'no event from a rolled-back batch')

    const good = await batch(app, staff, { mode: 'all_or_nothing', items: [validProduct(), validProduct()] })
    t.equal(good.statusCode, 200)
    t.same(good.json().results.map((r: { status: number }) => r.status), [201, 201])
  })

  t.test('Idempotency-Key: the same batch again is replayed, another body with the key is a 422', async (t) => {
    const app = await buildTestApp(t)
    const staff = await createUser(app, 'staff')
    const payload = { mode: 'per_item', items: [validProduct(), validProduct()] }
    const key = { 'idempotency-key': 'nightly-sync-1' }
    const first = await batch(app, staff, payload, key)
    t.equal(first.statusCode, 200)
    t.notOk(first.headers['idempotent-replayed'])
    const again = await batch(app, staff, payload, key)
    t.equal(again.statusCode, 200)
    t.equal(again.headers['idempotent-replayed'], 'true')
    t.same(again.json(), first.json(), 'the first response, replayed')
    t.equal(await productCount(app), 2)

    const other = await batch(app, staff, { ...payload, mode: 'all_or_nothing' }, key)
    t.equal(other.statusCode, 422)
    t.equal(other.json().code, 'IDEMPOTENCY_KEY_REUSED')
    const orderWithKey = await app.inject({ method: 'POST', url: '/api/orders', headers: { ...staff.headers, ...key }, payload: { customer_id: '00000000-0000-4000-8000-000000000000', items: [{ product_id: '00000000-0000-4000-8000-000000000000', quantity: 1 }] } })
    t.equal(orderWithKey.statusCode, 422, 'a batch key is not replayed for an order')
    t.equal(orderWithKey.json().code, 'IDEMPOTENCY_KEY_REUSED')
  })

  t.test('a full batch of 1000 writes in one request, then replaces the same skus', async (t) => {
    const app = await buildTestApp(t)
    const staff = await createUser(app, 'staff')
    const items = Array.from({ length: 1000 }, (_, i) => ({ sku: `BULK-${i}`, name: `Bulk ${i}`, price_cents: i, stock: 1 }))
    const created = await batch(app, staff, { mode: 'all_or_nothing', items })
    t.equal(created.statusCode, 200)
    t.ok(created.json().results.every((r: { status: number, index: number }, i: number) => r.status === 201 && r.index === i))
    const replaced = await batch(app, staff, { mode: 'per_item', items: items.map((item) => ({ ...item, stock: 0 })) })
    t.ok(replaced.json().results.every((r: { status: number }) => r.status === 200))
    t.equal(await productCount(app), 1000)
    t.equal((await outOfStockEvents(app)).length, 1000, 'one out-of-stock event per emptied product')
  })
})
