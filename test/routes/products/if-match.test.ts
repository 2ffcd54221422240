import { suite } from '../../helpers/suite.js'
import { buildTestApp } from '../../helpers/app.js'
import { createUser } from '../../helpers/users.js'
import { createProduct, validProduct } from './fixtures/products.js'

export default suite(import.meta, (t) => {
  t.test('If-Match: current ETag or * proceeds, stale ETag -> 412 and nothing changes, absent proceeds', async (t) => {
    const app = await buildTestApp(t)
    const staff = await createUser(app, 'staff')
    const product = await createProduct(app, staff, { stock: 1 })
    const url = `/api/products/${product.id}`

    const first = await app.inject({ method: 'PATCH', url, headers: { ...staff.headers, 'if-match': product.etag }, payload: { stock: 2 } })
    t.equal(first.statusCode, 200)
    const fresh = String(first.headers.etag)

    for (const call of [
      { method: 'PATCH' as const, payload: { stock: 99 } },
      { method: 'PUT' as const, payload: validProduct({ stock: 99 }) },
      { method: 'DELETE' as const }
    ]) {
      const stale = await app.inject({ ...call, url, headers: { ...staff.headers, 'if-match': product.etag } })
      t.equal(stale.statusCode, 412, `${call.method} with a stale ETag`)
      t.equal(stale.json().code, 'PRECONDITION_FAILED')
    }
    const row = await app.db.selectFrom('products').select(['stock']).where('id', '=', product.id).executeTakeFirstOrThrow()
    t.equal(row.stock, 2)

    const weak = await app.inject({ method: 'PATCH', url, headers: { ...staff.headers, 'if-match': `"nope", W/${fresh}` }, payload: { stock: 3 } })
    t.equal(weak.statusCode, 412, 'a weak tag never matches (strong comparison, RFC 9110 §13.1.1)')
    const listed = await app.inject({ method: 'PATCH', url, headers: { ...staff.headers, 'if-match': `"nope", ${fresh}` }, payload: { stock: 3 } })
    t.equal(listed.statusCode, 200, 'a list containing the current ETag matches')
    const star = await app.inject({ method: 'PATCH', url, headers: { ...staff.headers, 'if-match': '*' }, payload: { stock: 4 } })
    t.equal(star.statusCode, 200)
    const none = await app.inject({ method: 'PATCH', url, headers: staff.headers, payload: { stock: 5 } })
    t.equal(none.statusCode, 200)
    const get = await app.inject({ method: 'GET', url, headers: staff.headers })
    t.equal(get.headers.etag, none.headers.etag)
    const del = await app.inject({ method: 'DELETE', url, headers: { ...staff.headers, 'if-match': String(none.headers.etag) } })
    t.equal(del.statusCode, 204)
  })

  t.test('two writers with the same ETag: exactly one wins, the other gets 412', async (t) => {
    const app = await buildTestApp(t)
    const staff = await createUser(app, 'staff')
    const product = await createProduct(app, staff, { stock: 10 })
    const url = `/api/products/${product.id}`
    const [a, b] = await Promise.all([
      app.inject({ method: 'PATCH', url, headers: { ...staff.headers, 'if-match': product.etag }, payload: { stock: 11 } }),
      app.inject({ method: 'PATCH', url, headers: { ...staff.headers, 'if-match': product.etag }, payload: { stock: 12 } })
    ])
    t.same([a?.statusCode, b?.statusCode].sort(), [200, 412])
    const winner = a?.statusCode === 200 ? 11 : 12
    const row = await app.db.selectFrom('products').select('stock').where('id', '=', product.id).executeTakeFirstOrThrow()
    t.equal(row.stock, winner)
  })
})
