import { randomUUID } from 'node:crypto'
import { suite } from '../../helpers/suite.js'
import { buildTestApp } from '../../helpers/app.js'
import { createUser } from '../../helpers/users.js'
import { createProduct, validProduct } from './fixtures/products.js'

export default suite(import.meta, (t) => {
  t.test('every route needs a token (401 problem)', async (t) => {
    const app = await buildTestApp(t)
    const id = randomUUID()
    const calls = [
      { method: 'GET' as const, url: '/api/products' },
      { method: 'GET' as const, url: `/api/products/${id}` },
      { method: 'POST' as const, url: '/api/products', payload: validProduct() },
      { method: 'PUT' as const, url: `/api/products/${id}`, payload: validProduct() },
      { method: 'PATCH' as const, url: `/api/products/${id}`, payload: { stock: 1 } },
      { method: 'DELETE' as const, url: `/api/products/${id}` }
    ]
    for (const call of calls) {
      const res = await app.inject(call)
      t.equal(res.statusCode, 401, `${call.method} ${call.url}`)
      t.equal(res.json().code, 'TOKEN_MISSING')
      t.match(res.headers['content-type'], /application\/problem\+json/)
    }
    const bad = await app.inject({ method: 'GET', url: '/api/products', headers: { authorization: 'Bearer not.a.jwt' } })
    t.equal(bad.statusCode, 401)
    t.equal(bad.json().code, 'TOKEN_INVALID')
    t.equal(await app.db.selectFrom('products').select('id').execute().then((rows) => rows.length), 0)
  })

  t.test('a customer reads the catalog but cannot write (403) and changes nothing', async (t) => {
    const app = await buildTestApp(t)
    const staff = await createUser(app, 'staff')
    const customer = await createUser(app, 'customer')
    const product = await createProduct(app, staff, { name: 'Keep me', stock: 3 })

    t.equal((await app.inject({ method: 'GET', url: '/api/products', headers: customer.headers })).statusCode, 200)
    t.equal((await app.inject({ method: 'GET', url: `/api/products/${product.id}`, headers: customer.headers })).statusCode, 200)

    const writes = [
      { method: 'POST' as const, url: '/api/products', payload: validProduct() },
      { method: 'PUT' as const, url: `/api/products/${product.id}`, payload: validProduct({ name: 'Hijacked' }) },
      { method: 'PATCH' as const, url: `/api/products/${product.id}`, payload: { stock: 0 } },
      { method: 'DELETE' as const, url: `/api/products/${product.id}` }
    ]
    for (const call of writes) {
      const res = await app.inject({ ...call, headers: customer.headers })
      t.equal(res.statusCode, 403, `${call.method} ${call.url}`)
      t.equal(res.json().code, 'FORBIDDEN')
    }
    const rows = await app.db.selectFrom('products').selectAll().execute()
    t.equal(rows.length, 1)
    t.equal(rows[0]?.name, 'Keep me')
    t.equal(rows[0]?.stock, 3)
    t.equal(rows[0]?.archived_at, null)
  })

  t.test('unknown and non-UUID ids: 404 PRODUCT_NOT_FOUND and 400', async (t) => {
    const app = await buildTestApp(t)
    const staff = await createUser(app, 'staff')
    const missing = randomUUID()
    for (const call of [
      { method: 'GET' as const, url: `/api/products/${missing}` },
      { method: 'PUT' as const, url: `/api/products/${missing}`, payload: validProduct() },
      { method: 'PATCH' as const, url: `/api/products/${missing}`, payload: { stock: 1 } },
      { method: 'DELETE' as const, url: `/api/products/${missing}` }
    ]) {
      const res = await app.inject({ ...call, headers: staff.headers })
      t.equal(res.statusCode, 404, `${call.method} unknown id`)
      t.equal(res.json().code, 'PRODUCT_NOT_FOUND')
      const bad = await app.inject({ ...call, url: '/api/products/not-a-uuid', headers: staff.headers })
      t.equal(bad.statusCode, 400, `${call.method} non-uuid`)
      t.equal(bad.json().code, 'VALIDATION_FAILED')
      t.equal(bad.json().errors[0].pointer, '/id')
    }
    t.equal((await app.db.selectFrom('products').select('id').execute()).length, 0)
  })

  t.test('mass assignment: server-owned fields in bodies are rejected and change nothing', async (t) => {
    const app = await buildTestApp(t)
    const staff = await createUser(app, 'staff')
    const product = await createProduct(app, staff)
    const before = await app.db.selectFrom('products').selectAll().where('id', '=', product.id).executeTakeFirstOrThrow()
    const forged = {
      id: randomUUID(),
      created_at: '2000-01-01T00:00:00.000Z',
      updated_at: '2000-01-01T00:00:00.000Z',
      archived_at: '2000-01-01T00:00:00.000Z',
      currency: 'USD',
      user_id: randomUUID(),
      role: 'admin'
    }
    for (const [field, value] of Object.entries(forged)) {
      const create = await app.inject({ method: 'POST', url: '/api/products', headers: staff.headers, payload: validProduct({ [field]: value }) })
      t.equal(create.statusCode, 400, `POST with ${field}`)
      t.ok(create.json().errors.some((e: { pointer: string }) => e.pointer === `/${field}`))
      const put = await app.inject({ method: 'PUT', url: `/api/products/${product.id}`, headers: staff.headers, payload: validProduct({ [field]: value }) })
      t.equal(put.statusCode, 400, `PUT with ${field}`)
      const patch = await app.inject({ method: 'PATCH', url: `/api/products/${product.id}`, headers: staff.headers, payload: { name: 'changed', [field]: value } })
      t.equal(patch.statusCode, 400, `PATCH with ${field}`)
    }
    const after = await app.db.selectFrom('products').selectAll().where('id', '=', product.id).executeTakeFirstOrThrow()
    t.same(after, before)
    t.equal((await app.db.selectFrom('products').select('id').execute()).length, 1)
  })
})
