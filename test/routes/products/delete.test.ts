import { suite } from '../../helpers/suite.js'
import { buildTestApp } from '../../helpers/app.js'
import { createUser } from '../../helpers/users.js'
import { createProduct, orderProduct, validProduct } from './fixtures/products.js'

export default suite(import.meta, (t) => {
  t.test('DELETE removes an unordered product; a product in an order is archived and kept', async (t) => {
    const app = await buildTestApp(t)
    const staff = await createUser(app, 'staff')
    const customer = await createUser(app, 'customer')
    const loose = await createProduct(app, staff, { sku: 'LOOSE' })
    const ordered = await createProduct(app, staff, { sku: 'ORDERED', name: 'Ordered thing' })
    const orderId = await orderProduct(app, ordered.id, customer.customerId ?? '')

    const delLoose = await app.inject({ method: 'DELETE', url: `/api/products/${loose.id}`, headers: staff.headers })
    t.equal(delLoose.statusCode, 204)
    t.equal(delLoose.body, '')
    t.equal(await app.db.selectFrom('products').select('id').where('id', '=', loose.id).executeTakeFirst(), undefined)

    const delOrdered = await app.inject({ method: 'DELETE', url: `/api/products/${ordered.id}`, headers: staff.headers })
    t.equal(delOrdered.statusCode, 204)
    const archived = await app.db.selectFrom('products').selectAll().where('id', '=', ordered.id).executeTakeFirstOrThrow()
    t.type(archived.archived_at, Date, 'row kept with archived_at set')
    const item = await app.db.selectFrom('order_items').selectAll().where('order_id', '=', orderId).executeTakeFirstOrThrow()
    t.equal(item.product_id, ordered.id)
    t.equal(item.name, 'Ordered thing')

    const get = await app.inject({ method: 'GET', url: `/api/products/${ordered.id}`, headers: staff.headers })
    t.equal(get.statusCode, 404)
    t.equal(get.json().code, 'PRODUCT_NOT_FOUND')
    const list = await app.inject({ method: 'GET', url: '/api/products', headers: staff.headers })
    t.same(list.json().data, [])
    const patch = await app.inject({ method: 'PATCH', url: `/api/products/${ordered.id}`, headers: staff.headers, payload: { stock: 1 } })
    t.equal(patch.statusCode, 404)
    const again = await app.inject({ method: 'DELETE', url: `/api/products/${ordered.id}`, headers: staff.headers })
    t.equal(again.statusCode, 404)
    const reuse = await app.inject({ method: 'POST', url: '/api/products', headers: staff.headers, payload: validProduct({ sku: 'ORDERED' }) })
    t.equal(reuse.statusCode, 409, 'an archived product keeps its sku')
    t.equal(reuse.json().code, 'SKU_TAKEN')
  })
})
