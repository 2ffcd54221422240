import type { LightMyRequestResponse } from 'fastify'
import { sql } from 'kysely'
import { suite } from '../../helpers/suite.js'
import { createUser } from '../../helpers/users.js'
import { buildOrdersApp, insertProduct, postOrder, transition } from './fixtures/orders.js'

export default suite(import.meta, (t) => {
  t.test('GET /api/orders/{id}: own or staff -> 200 with ETag; someone else\'s -> 404', async (t) => {
    const app = await buildOrdersApp(t)
    const alice = await createUser(app, 'customer')
    const bob = await createUser(app, 'customer')
    const staff = await createUser(app, 'staff')
    const product = await insertProduct(app, { stock: 10 })
    const order = (await postOrder(app, alice, { items: [{ product_id: product.id, quantity: 1 }] })).json()

    const own = await app.inject({ method: 'GET', url: `/api/orders/${order.id}`, headers: alice.headers })
    t.equal(own.statusCode, 200)
    t.equal(own.headers.etag, '"1.customer"', 'the customer\'s view of version 1')
    t.same(own.json(), order)
    const byStaff = await app.inject({ method: 'GET', url: `/api/orders/${order.id}`, headers: staff.headers })
    t.equal(byStaff.statusCode, 200)
    t.equal(byStaff.headers.etag, '"1"', 'staff see more allowed_transitions: a tag of their own')

    const foreign = await app.inject({ method: 'GET', url: `/api/orders/${order.id}`, headers: bob.headers })
    t.equal(foreign.statusCode, 404)
    t.equal(foreign.json().code, 'ORDER_NOT_FOUND')
    const missing = await app.inject({ method: 'GET', url: '/api/orders/00000000-0000-4000-8000-000000000000', headers: staff.headers })
    t.equal(missing.statusCode, 404)
    const bad = await app.inject({ method: 'GET', url: '/api/orders/123', headers: staff.headers })
    t.equal(bad.statusCode, 400)
    t.equal(bad.json().errors[0].in, 'path')
    const anonymous = await app.inject({ method: 'GET', url: `/api/orders/${order.id}` })
    t.equal(anonymous.statusCode, 401)
  })

  t.test('GET /api/orders: keyset pages, filters, and customers see only their own', async (t) => {
    const app = await buildOrdersApp(t)
    const alice = await createUser(app, 'customer')
    const bob = await createUser(app, 'customer')
    const staff = await createUser(app, 'staff')
    const product = await insertProduct(app, { stock: 1000 })
    const items = [{ product_id: product.id, quantity: 1 }]
    const ids: string[] = []
    for (let i = 0; i < 7; i++) {
      const res = await postOrder(app, i % 2 === 0 ? alice : bob, { items })
      ids.push(res.json().id)
    }
    // Give some orders one shared timestamp: the id breaks the tie.
    const tie = new Date('2026-01-01T00:00:00.000Z')
    // created_at is not updatable through the typed schema (on purpose); a test may move it.
    await sql`update orders set created_at = ${tie} where id in (${sql.join(ids.slice(2, 5))})`.execute(app.db)
    await transition(app, staff, ids[0]!, 'paid')

    const seen: string[] = []
    let url: string | undefined = '/api/orders?limit=3'
    let pages = 0
    while (url !== undefined) {
      const res: LightMyRequestResponse = await app.inject({ method: 'GET', url, headers: staff.headers })
      t.equal(res.statusCode, 200, res.body)
      const body: { data: Array<{ id: string, items: unknown[] }>, next_cursor: string | null } = res.json()
      t.ok(body.data.length <= 3)
      for (const order of body.data) {
        seen.push(order.id)
        t.type(order.items, Array)
        t.equal(order.items.length, 1, 'items loaded for every order of the page')
      }
      if (body.next_cursor === null) {
        t.notOk(res.headers.link)
        url = undefined
      } else {
        t.match(res.headers.link, /^<\/api\/orders\?limit=3&cursor=[^>]+>; rel="next"$/)
        url = `/api/orders?limit=3&cursor=${encodeURIComponent(body.next_cursor)}`
      }
      pages++
    }
    t.equal(pages, 3)
    t.equal(seen.length, 7)
    t.same([...new Set(seen)].sort(), [...ids].sort(), 'every order exactly once')
    const rows = await app.db.selectFrom('orders').select(['id']).orderBy('created_at').orderBy('id').execute()
    t.same(seen, rows.map((r) => r.id), 'in (created_at, id) order')

    const aliceList = (await app.inject({ method: 'GET', url: '/api/orders?limit=100', headers: alice.headers })).json()
    t.equal(aliceList.data.length, 4)
    t.ok(aliceList.data.every((o: { customer_id: string }) => o.customer_id === alice.customerId))
    const sneaky = (await app.inject({ method: 'GET', url: `/api/orders?customer_id=${bob.customerId}`, headers: alice.headers })).json()
    t.same(sneaky, { data: [], next_cursor: null }, 'filtering by another customer gives an empty page')

    const bobs = (await app.inject({ method: 'GET', url: `/api/orders?customer_id=${bob.customerId}`, headers: staff.headers })).json()
    t.equal(bobs.data.length, 3)
    const paid = (await app.inject({ method: 'GET', url: '/api/orders?status=paid', headers: staff.headers })).json()
    t.same(paid.data.map((o: { id: string }) => o.id), [ids[0]])
    const before = (await app.inject({ method: 'GET', url: '/api/orders?created_before=2026-01-01T00:00:00.001Z', headers: staff.headers })).json()
    t.equal(before.data.length, 3)
    const after = (await app.inject({ method: 'GET', url: '/api/orders?created_after=2026-01-01T00:00:00.000Z', headers: staff.headers })).json()
    t.equal(after.data.length, 4, 'created_after is exclusive')

    for (const query of ['limit=0', 'limit=101', 'limit=1.5', 'status=lost', 'customer_id=nope', 'created_after=yesterday', 'created_after=2026-06-30T23:59:60Z', 'created_before=2026-02-30T00:00:00Z', 'created_after=0000-01-01T00:00:00Z', 'cursor=garbage', 'unknown=1']) {
      const res = await app.inject({ method: 'GET', url: `/api/orders?${query}`, headers: staff.headers })
      t.equal(res.statusCode, 400, query)
      t.ok(['VALIDATION_FAILED', 'INVALID_CURSOR'].includes(res.json().code), `${query}: refused by validation, not by the database (${res.json().code})`)
    }
    const foreignCursor = Buffer.from(JSON.stringify({ v: 42, id: ids[0] })).toString('base64url')
    const wrongCursor = await app.inject({ method: 'GET', url: `/api/orders?cursor=${foreignCursor}`, headers: staff.headers })
    t.equal(wrongCursor.statusCode, 400)
    t.equal(wrongCursor.json().code, 'INVALID_CURSOR')
  })
})
