import pg from 'pg'
import { suite } from '../../helpers/suite.js'
import { createTestDatabase, usingRealPostgres } from '../../helpers/database.js'
import { createUser } from '../../helpers/users.js'
import { waitFor } from '../../helpers/wait.js'
import { buildOrdersApp, activeQuantity, countRows, insertProduct, postOrder, stockOf, transition } from './fixtures/orders.js'

export default suite(import.meta, (t) => {
  t.test('50 concurrent orders for 10 units: exactly 10 succeed, the rest get 409, stock ends at 0', async (t) => {
    const app = await buildOrdersApp(t)
    const customers = await Promise.all(Array.from({ length: 5 }, async () => await createUser(app, 'customer')))
    const product = await insertProduct(app, { stock: 10, price_cents: 1234 })

    const responses = await Promise.all(Array.from({ length: 50 }, async (_, i) =>
      await postOrder(app, customers[i % customers.length]!, { items: [{ product_id: product.id, quantity: 1 }] })))

    const statuses = responses.map((r) => r.statusCode)
    t.equal(statuses.filter((s) => s === 201).length, 10, 'exactly 10 orders')
    t.equal(statuses.filter((s) => s === 409).length, 40, 'the other 40 are out of stock')
    for (const res of responses.filter((r) => r.statusCode === 409)) {
      t.equal(res.json().code, 'INSUFFICIENT_STOCK')
      t.same(res.json().items, [{ product_id: product.id, requested: 1, available: 0 }])
    }
    t.equal(await stockOf(app, product.id), 0)
    t.equal(await activeQuantity(app, product.id), 10)
    t.equal(await countRows(app, 'orders'), 10)
    t.equal(await countRows(app, 'order_items'), 10)
  })

  t.test('orders locking {A, B} and {B, A} at the same time never deadlock into a 500', async (t) => {
    const app = await buildOrdersApp(t)
    const alice = await createUser(app, 'customer')
    const bob = await createUser(app, 'customer')
    const a = await insertProduct(app, { stock: 1000 })
    const b = await insertProduct(app, { stock: 1000 })

    for (let round = 0; round < 5; round++) {
      const results = await Promise.all([
        postOrder(app, alice, { items: [{ product_id: a.id, quantity: 1 }, { product_id: b.id, quantity: 2 }] }),
        postOrder(app, bob, { items: [{ product_id: b.id, quantity: 2 }, { product_id: a.id, quantity: 1 }] }),
        postOrder(app, alice, { items: [{ product_id: b.id, quantity: 2 }, { product_id: a.id, quantity: 1 }] }),
        postOrder(app, bob, { items: [{ product_id: a.id, quantity: 1 }, { product_id: b.id, quantity: 2 }] })
      ])
      t.same(results.map((r) => r.statusCode), [201, 201, 201, 201], `round ${round}`)
    }
    t.equal(await stockOf(app, a.id), 1000 - 20)
    t.equal(await stockOf(app, b.id), 1000 - 40)
    t.equal(await countRows(app, 'orders'), 20)
  })

  t.test('cancels and orders racing on one product keep stock consistent', async (t) => {
    const app = await buildOrdersApp(t)
    const customers = await Promise.all(Array.from({ length: 3 }, async () => await createUser(app, 'customer')))
    const staff = await createUser(app, 'staff')
    const initial = 20
    const product = await insertProduct(app, { stock: initial })

    const first = await Promise.all(customers.map(async (c) => await postOrder(app, c, { items: [{ product_id: product.id, quantity: 3 }] })))
    t.same(first.map((r) => r.statusCode), [201, 201, 201])

    const racing = await Promise.all([
      ...first.map(async (res, i) => await transition(app, i === 0 ? staff : customers[i]!, res.json().id, 'cancelled')),
      ...Array.from({ length: 12 }, async (_, i) => await postOrder(app, customers[i % 3]!, { items: [{ product_id: product.id, quantity: 2 }] }))
    ])
    t.same(racing.slice(0, 3).map((r) => r.statusCode), [200, 200, 200], 'every cancel applies')
    for (const res of racing) t.ok([200, 201, 409].includes(res.statusCode), `no ${res.statusCode}`)

    const stock = await stockOf(app, product.id)
    t.ok(stock >= 0)
    t.equal(stock + await activeQuantity(app, product.id), initial, 'stock + non-cancelled quantities == initial')
  })

  t.test('two concurrent transitions of one order: only one applies', async (t) => {
    const app = await buildOrdersApp(t)
    const customer = await createUser(app, 'customer')
    const staff = await createUser(app, 'staff')
    const product = await insertProduct(app, { stock: 10 })
    const order = (await postOrder(app, customer, { items: [{ product_id: product.id, quantity: 4 }] })).json()
    t.equal(await stockOf(app, product.id), 6)

    const results = await Promise.all([
      transition(app, staff, order.id, 'cancelled'),
      transition(app, customer, order.id, 'cancelled'),
      transition(app, staff, order.id, 'cancelled')
    ])
    t.same(results.map((r) => r.statusCode).sort(), [200, 409, 409])
    for (const res of results.filter((r) => r.statusCode === 409)) t.equal(res.json().code, 'INVALID_TRANSITION')
    t.equal(await stockOf(app, product.id), 10, 'restocked exactly once')

    const order2 = (await postOrder(app, customer, { items: [{ product_id: product.id, quantity: 1 }] })).json()
    const paidOrCancelled = await Promise.all([transition(app, staff, order2.id, 'paid'), transition(app, staff, order2.id, 'cancelled')])
    const codes = paidOrCancelled.map((r) => r.statusCode).sort()
    // paid then cancelled is legal too, so both may apply; what matters is the final state and stock agree.
    t.ok(codes.every((c) => c === 200 || c === 409), `${codes.join(',')}`)
    const final = await app.db.selectFrom('orders').select('status').where('id', '=', order2.id).executeTakeFirstOrThrow()
    t.equal(await stockOf(app, product.id), final.status === 'cancelled' ? 10 : 9)
  })

  t.test('an order that waited for a restock holding the product lock sees the restocked stock', async (t) => {
    const database = await createTestDatabase(t)
    const app = await buildOrdersApp(t, { databaseEnv: database.env })
    const customer = await createUser(app, 'customer')
    const product = await insertProduct(app, { stock: 1 })
    const order = { items: [{ product_id: product.id, quantity: 2 }] }

    let placed
    if (database.url === null) {
    // Embedded PGlite has one connection: the restock simply comes first.
      t.notOk(usingRealPostgres())
      await app.db.updateTable('products').set((eb) => ({ stock: eb('stock', '+', 5) })).where('id', '=', product.id).execute()
      placed = await postOrder(app, customer, order)
    } else {
    // The order statement takes its snapshot (stock 1), then waits for the lock the restock holds.
      const restock = new pg.Client({ connectionString: database.url })
      await restock.connect()
      t.teardown(async () => { await restock.end() })
      await restock.query('BEGIN')
      await restock.query('UPDATE products SET stock = stock + 5 WHERE id = $1', [product.id])
      const placing = postOrder(app, customer, order)
      await waitFor('the order to wait for the product lock', async () => {
        const { rows } = await restock.query<{ waiting: number }>(
          "SELECT count(*)::int AS waiting FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'")
        return rows[0]?.waiting === 1 ? true : undefined
      })
      await restock.query('COMMIT')
      placed = await placing
    }
    t.equal(placed.statusCode, 201, placed.body)
    t.equal(await stockOf(app, product.id), 4)
  })
})
