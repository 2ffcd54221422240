import { gunzipSync } from 'node:zlib'
import { sql } from 'kysely'
import { suite } from '../../helpers/suite.js'
import { createUser } from '../../helpers/users.js'
import { usingRealPostgres } from '../../helpers/database.js'
import { abandonExport, ndjsonLines, waitForReleasedConnections } from '../../helpers/ndjson.js'
import { buildOrdersApp, insertProduct, postOrder, transition } from './fixtures/orders.js'

export default suite(import.meta, (t) => {
  t.test('a customer gets 403 before its filters are looked at; no token 401; a bad filter 400', async (t) => {
    const app = await buildOrdersApp(t)
    const customer = await createUser(app, 'customer')
    const staff = await createUser(app, 'staff')
    const forbidden = await app.inject({ method: 'GET', url: '/api/orders/export?status=lost', headers: customer.headers })
    t.equal(forbidden.statusCode, 403)
    t.match(forbidden.headers['content-type'], /application\/problem\+json/)
    t.equal((await app.inject({ method: 'GET', url: '/api/orders/export' })).statusCode, 401)
    for (const query of ['status=lost', 'customer_id=nope', 'created_after=yesterday', 'limit=5', 'cursor=x']) {
      const res = await app.inject({ method: 'GET', url: `/api/orders/export?${query}`, headers: staff.headers })
      t.equal(res.statusCode, 400, query)
      t.match(res.headers['content-type'], /application\/problem\+json/, query)
    }
  })

  t.test('no orders: an empty NDJSON body', async (t) => {
    const app = await buildOrdersApp(t)
    const staff = await createUser(app, 'staff')
    const res = await app.inject({ method: 'GET', url: '/api/orders/export', headers: { ...staff.headers, accept: 'application/x-ndjson' } })
    t.equal(res.statusCode, 200)
    t.match(res.headers['content-type'], /^application\/x-ndjson/)
    t.equal(res.body, '')
  })

  t.test('each line is the order (with its items) exactly as GET shows it to the caller; the list filters apply', async (t) => {
    const app = await buildOrdersApp(t)
    const alice = await createUser(app, 'customer')
    const bob = await createUser(app, 'customer')
    const staff = await createUser(app, 'staff')
    const shirt = await insertProduct(app, { stock: 10_000, price_cents: 1999 })
    const mug = await insertProduct(app, { stock: 10_000, price_cents: 850 })
    const ids: string[] = []
    for (let i = 0; i < 230; i++) {
      const res = await postOrder(app, i % 3 === 0 ? bob : alice, { items: [{ product_id: shirt.id, quantity: 1 + (i % 4) }, ...(i % 2 === 0 ? [{ product_id: mug.id, quantity: 2 }] : [])] })
      ids.push(res.json().id)
    }
    for (const id of ids.slice(0, 40)) await transition(app, staff, id, 'paid')

    const all = await app.inject({ method: 'GET', url: '/api/orders/export', headers: staff.headers })
    t.equal(all.statusCode, 200, all.statusCode === 200 ? 'exported' : all.body)
    const lines = ndjsonLines(all.body)
    t.same(lines.map((line) => JSON.parse(line).id), ids, 'every order once, oldest first (more than one page)')
    for (const line of [lines[0], lines[1], lines[129], lines[229]]) {
      const { id } = JSON.parse(line ?? '{}') as { id: string }
      const one = await app.inject({ method: 'GET', url: `/api/orders/${id}`, headers: staff.headers })
      t.equal(line, one.body, 'byte for byte the GET body')
    }

    const paid = ndjsonLines((await app.inject({ method: 'GET', url: '/api/orders/export?status=paid', headers: staff.headers })).body).map((line) => JSON.parse(line))
    t.same(paid.map((order) => order.id), ids.slice(0, 40))
    t.ok(paid.every((order) => order.status === 'paid'))
    const bobs = ndjsonLines((await app.inject({ method: 'GET', url: `/api/orders/export?customer_id=${bob.customerId ?? ''}&status=pending`, headers: staff.headers })).body).map((line) => JSON.parse(line))
    t.same(bobs.map((order) => order.id), ids.filter((_, i) => i % 3 === 0 && i >= 40))
    const fifth = JSON.parse(lines[4] ?? '{}') as { created_at: string }
    const before = ndjsonLines((await app.inject({ method: 'GET', url: `/api/orders/export?created_before=${encodeURIComponent(fifth.created_at)}`, headers: staff.headers })).body)
    t.ok(before.length <= 4 && before.every((line) => JSON.parse(line).created_at < fifth.created_at))

    const gzipped = await app.inject({ method: 'GET', url: '/api/orders/export', headers: { ...staff.headers, 'accept-encoding': 'gzip' } })
    t.equal(gzipped.headers['content-encoding'], 'gzip')
    t.equal(gunzipSync(gzipped.rawPayload).toString(), all.body)
  })

  t.test('a client that disconnects mid-export releases the connection at once', async (t) => {
    const app = await buildOrdersApp(t)
    const alice = await createUser(app, 'customer')
    const staff = await createUser(app, 'staff')
    const product = await insertProduct(app, { stock: 10, name: `long name ${'x'.repeat(180)}` })
    const first = (await postOrder(app, alice, { items: [{ product_id: product.id, quantity: 1 }] })).json()
    // Many copies of the order (same customer and item, new ids): ~12 MB of NDJSON, more than the socket buffers hold.
    await sql`insert into orders (id, customer_id, status, currency, total_cents, created_at, updated_at)
      select gen_random_uuid(), customer_id, status, currency, total_cents, created_at + n * interval '1 ms', updated_at from orders, generate_series(1, 20000) as n`.execute(app.db)
    await sql`insert into order_items (order_id, product_id, sku, name, quantity, unit_price_cents, subtotal_cents)
      select o.id, i.product_id, i.sku, i.name, i.quantity, i.unit_price_cents, i.subtotal_cents from orders o, order_items i where i.order_id = ${first.id} and o.id <> ${first.id}`.execute(app.db)
    const { status, received } = await abandonExport(app, '/api/orders/export', staff.headers)
    t.equal(status, 200)
    t.ok(received > 0)
    if (usingRealPostgres()) {
      await waitForReleasedConnections(app)
      t.pass('no client checked out, no session in a transaction')
    }
    const again = await app.inject({ method: 'GET', url: `/api/orders/export?created_before=${encodeURIComponent(first.created_at)}`, headers: staff.headers })
    t.equal(again.statusCode, 200, 'the app still exports afterwards')
  })
})
