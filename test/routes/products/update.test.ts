import { suite } from '../../helpers/suite.js'
import { buildTestApp } from '../../helpers/app.js'
import { createUser } from '../../helpers/users.js'
import { createProduct, validProduct } from './fixtures/products.js'

export default suite(import.meta, (t) => {
  t.test('sku is unique: 409 SKU_TAKEN on create, replace and patch (case kept as given)', async (t) => {
    const app = await buildTestApp(t)
    const staff = await createUser(app, 'staff')
    await createProduct(app, staff, { sku: 'DUP-1' })
    const other = await createProduct(app, staff, { sku: 'OTHER-1' })

    const create = await app.inject({ method: 'POST', url: '/api/products', headers: staff.headers, payload: validProduct({ sku: 'DUP-1' }) })
    t.equal(create.statusCode, 409)
    t.equal(create.json().code, 'SKU_TAKEN')
    t.equal(create.json().errors[0].pointer, '/sku')

    const put = await app.inject({ method: 'PUT', url: `/api/products/${other.id}`, headers: staff.headers, payload: validProduct({ sku: 'DUP-1' }) })
    t.equal(put.statusCode, 409)
    t.equal(put.json().code, 'SKU_TAKEN')
    const patch = await app.inject({ method: 'PATCH', url: `/api/products/${other.id}`, headers: staff.headers, payload: { sku: 'DUP-1' } })
    t.equal(patch.statusCode, 409)
    t.equal(patch.json().code, 'SKU_TAKEN')
    const row = await app.db.selectFrom('products').select('sku').where('id', '=', other.id).executeTakeFirstOrThrow()
    t.equal(row.sku, 'OTHER-1')

    const same = await app.inject({ method: 'PATCH', url: `/api/products/${other.id}`, headers: staff.headers, payload: { sku: 'OTHER-1' } })
    t.equal(same.statusCode, 200, 'keeping its own sku is no conflict')
  })

  t.test('concurrent creates with one sku: exactly one 201, the rest 409', async (t) => {
    const app = await buildTestApp(t)
    const staff = await createUser(app, 'staff')
    const results = await Promise.all(Array.from({ length: 8 }, () =>
      app.inject({ method: 'POST', url: '/api/products', headers: staff.headers, payload: validProduct({ sku: 'RACE-1' }) })))
    const statuses = results.map((r) => r.statusCode).sort()
    t.same(statuses, [201, 409, 409, 409, 409, 409, 409, 409])
    t.ok(results.filter((r) => r.statusCode === 409).every((r) => r.json().code === 'SKU_TAKEN'))
    t.equal((await app.db.selectFrom('products').select('id').execute()).length, 1)
  })

  t.test('PUT replaces the whole product; PATCH changes only what it names', async (t) => {
    const app = await buildTestApp(t)
    const staff = await createUser(app, 'staff')
    const product = await createProduct(app, staff, { sku: 'P-1', name: 'Old', description: 'Old text', price_cents: 100, stock: 1 })

    const put = await app.inject({ method: 'PUT', url: `/api/products/${product.id}`, headers: staff.headers, payload: { sku: 'P-2', name: 'New', price_cents: 250, stock: 9 } })
    t.equal(put.statusCode, 200)
    const replaced = put.json()
    t.match(replaced, { id: product.id, sku: 'P-2', name: 'New', description: '', price_cents: 250, stock: 9 })
    t.equal(replaced.created_at, product.body.created_at)
    t.ok(replaced.updated_at > String(product.body.updated_at))
    t.not(put.headers.etag, product.etag)

    const patch = await app.inject({ method: 'PATCH', url: `/api/products/${product.id}`, headers: staff.headers, payload: { stock: 0 } })
    t.equal(patch.statusCode, 200)
    t.match(patch.json(), { sku: 'P-2', name: 'New', description: '', price_cents: 250, stock: 0 })
    t.not(patch.headers.etag, put.headers.etag)

    const row = await app.db.selectFrom('products').selectAll().where('id', '=', product.id).executeTakeFirstOrThrow()
    t.match(row, { sku: 'P-2', name: 'New', description: '', price_cents: 250, stock: 0 })

    const putMissing = await app.inject({ method: 'PUT', url: `/api/products/${product.id}`, headers: staff.headers, payload: { name: 'Only name' } })
    t.equal(putMissing.statusCode, 400, 'PUT needs every required field')
    const emptyPatch = await app.inject({ method: 'PATCH', url: `/api/products/${product.id}`, headers: staff.headers, payload: {} })
    t.equal(emptyPatch.statusCode, 400, 'PATCH needs at least one field')
    t.equal(emptyPatch.json().code, 'VALIDATION_FAILED')
    const badPatch = await app.inject({ method: 'PATCH', url: `/api/products/${product.id}`, headers: staff.headers, payload: { price_cents: '42' } })
    t.equal(badPatch.statusCode, 400)
    t.equal((await app.db.selectFrom('products').select('price_cents').where('id', '=', product.id).executeTakeFirstOrThrow()).price_cents, 250)
  })
})
