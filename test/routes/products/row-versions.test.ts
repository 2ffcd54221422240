import { suite } from '../../helpers/suite.js'
import { sql } from 'kysely'
import { buildOrdersApp, insertProduct, postOrder, stockOf, transition } from '../orders/fixtures/orders.js'
import { createUser } from '../../helpers/users.js'

export default suite(import.meta, (t) => {
  t.test('every UPDATE moves the version forward, whoever writes it', async (t) => {
    const app = await buildOrdersApp(t)
    const product = await insertProduct(app, { stock: 5 })
    const versionOf = async (): Promise<number> =>
      (await app.db.selectFrom('products').select('version').where('id', '=', product.id).executeTakeFirstOrThrow()).version
    t.equal(await versionOf(), 1, 'a new row starts at 1')
    // A write that does not name the column, and one that tries to set it back: both bump it.
    await sql`UPDATE products SET stock = stock WHERE id = ${product.id}`.execute(app.db)
    t.equal(await versionOf(), 2)
    await sql`UPDATE products SET version = 1 WHERE id = ${product.id}`.execute(app.db)
    t.equal(await versionOf(), 3, 'the trigger wins over an explicit value')
    for (const table of ['users', 'customers', 'orders'] as const) {
      const triggers = await sql<{ n: number }>`SELECT count(*)::int AS n FROM pg_trigger WHERE tgname = ${`${table}_bump_version`}`.execute(app.db)
      t.equal(triggers.rows[0]?.n, 1, `${table} has its version trigger`)
    }
  })

  t.test('If-None-Match: 304 without a body while unchanged, 200 with the new ETag after a change', async (t) => {
    const app = await buildOrdersApp(t)
    const staff = await createUser(app, 'staff')
    const customer = await createUser(app, 'customer')
    const product = await insertProduct(app, { stock: 5 })
    const url = `/api/products/${product.id}`

    const first = await app.inject({ method: 'GET', url, headers: staff.headers })
    t.equal(first.statusCode, 200)
    const etag = String(first.headers.etag)

    const other = await app.inject({ method: 'GET', url, headers: { ...staff.headers, 'if-none-match': '"999999"' } })
    t.equal(other.statusCode, 200, 'another ETag gets the resource')
    const same = await app.inject({ method: 'GET', url, headers: { ...staff.headers, 'if-none-match': `"0", ${etag}` } })
    t.equal(same.statusCode, 304)
    t.equal(same.body, '', 'no body')
    t.equal(same.headers.etag, etag)
    const star = await app.inject({ method: 'GET', url, headers: { ...staff.headers, 'if-none-match': '*' } })
    t.equal(star.statusCode, 304)

    // An order taking stock is a write to the product: the old ETag no longer matches.
    const order = await postOrder(app, customer, { items: [{ product_id: product.id, quantity: 1 }] })
    t.equal(order.statusCode, 201)
    const after = await app.inject({ method: 'GET', url, headers: { ...staff.headers, 'if-none-match': etag } })
    t.equal(after.statusCode, 200)
    t.not(after.headers.etag, etag)
    t.equal(after.json().stock, 4)

    // Same for the customer and the order.
    const customerUrl = `/api/customers/${customer.customerId ?? ''}`
    const profile = await app.inject({ method: 'GET', url: customerUrl, headers: staff.headers })
    t.equal((await app.inject({ method: 'GET', url: customerUrl, headers: { ...staff.headers, 'if-none-match': String(profile.headers.etag) } })).statusCode, 304)
    const patched = await app.inject({ method: 'PATCH', url: customerUrl, headers: staff.headers, payload: { phone: '+15550100' } })
    t.equal(patched.statusCode, 200)
    t.equal((await app.inject({ method: 'GET', url: customerUrl, headers: { ...staff.headers, 'if-none-match': String(profile.headers.etag) } })).statusCode, 200)

    const orderUrl = `/api/orders/${String(order.json().id)}`
    t.equal(order.headers.etag, '"1.customer"', 'a new order is version 1, in its customer\'s view')
    t.equal((await app.inject({ method: 'GET', url: orderUrl, headers: { ...customer.headers, 'if-none-match': String(order.headers.etag) } })).statusCode, 304)
    const cancelled = await transition(app, customer, String(order.json().id), 'cancelled', { 'if-match': String(order.headers.etag) })
    t.equal(cancelled.statusCode, 200)
    t.not(cancelled.headers.etag, order.headers.etag)
    const reread = await app.inject({ method: 'GET', url: orderUrl, headers: { ...customer.headers, 'if-none-match': String(order.headers.etag) } })
    t.equal(reread.statusCode, 200)
    t.equal(reread.headers.etag, cancelled.headers.etag)
    const staleCancel = await transition(app, staff, String(order.json().id), 'paid', { 'if-match': String(order.headers.etag) })
    t.equal(staleCancel.statusCode, 412)
  })

  t.test('concurrent orders and edits on one product never give two states one ETag; a stale If-Match -> 412', async (t) => {
    const app = await buildOrdersApp(t)
    const staff = await createUser(app, 'staff')
    const customer = await createUser(app, 'customer')
    const product = await insertProduct(app, { stock: 1000 })
    const url = `/api/products/${product.id}`
    const initial = await app.inject({ method: 'GET', url, headers: staff.headers })
    const staleEtag = String(initial.headers.etag)

    const ORDERS = 40
    const EDITS = 10
    const results = await Promise.all([
      ...Array.from({ length: ORDERS }, async () => await postOrder(app, customer, { items: [{ product_id: product.id, quantity: 1 }] })),
      ...Array.from({ length: EDITS }, async (_, i) => await app.inject({ method: 'PATCH', url, headers: staff.headers, payload: { name: `Edit ${i}` } }))
    ])
    t.equal(results.filter((r) => r.statusCode === 201).length, ORDERS, 'every order went through')
    const edits = results.filter((r) => r.statusCode === 200)
    t.equal(edits.length, EDITS, 'every edit went through')

    // Each edit response is one state of the product: distinct writes, distinct ETags.
    const editTags = edits.map((r) => String(r.headers.etag))
    t.equal(new Set(editTags).size, EDITS, 'no two edits share an ETag')
    const final = await app.inject({ method: 'GET', url, headers: staff.headers })
    t.equal(final.headers.etag, `"${1 + ORDERS + EDITS}"`, 'one version per write')
    t.equal(await stockOf(app, product.id), 1000 - ORDERS)

    const stale = await app.inject({ method: 'PATCH', url, headers: { ...staff.headers, 'if-match': staleEtag }, payload: { stock: 1 } })
    t.equal(stale.statusCode, 412)
    t.equal(await stockOf(app, product.id), 1000 - ORDERS, 'nothing written')
    const current = await app.inject({ method: 'PATCH', url, headers: { ...staff.headers, 'if-match': String(final.headers.etag) }, payload: { stock: 1 } })
    t.equal(current.statusCode, 200)
  })
})
