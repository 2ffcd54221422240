import { suite } from '../../helpers/suite.js'
import { buildOrdersApp, countRows, insertProduct, postOrder, stockOf } from './fixtures/orders.js'
import { createUser } from '../../helpers/users.js'

export default suite(import.meta, (t) => {
  const versionOf = async (app: Awaited<ReturnType<typeof buildOrdersApp>>, id: string): Promise<number> =>
    (await app.db.selectFrom('products').select('version').where('id', '=', id).executeTakeFirstOrThrow()).version

  t.test('a refused order writes nothing: no stock taken, no version bumped, no order row', async (t) => {
    const app = await buildOrdersApp(t)
    const staff = await createUser(app, 'staff')
    const customer = await createUser(app, 'customer')
    const a = await insertProduct(app, { stock: 5 })
    const b = await insertProduct(app, { stock: 1 })
    const archived = await insertProduct(app, { stock: 9, archived: true })

    const cases = [
      { who: staff, body: { customer_id: '00000000-0000-4000-8000-000000000000', items: [{ product_id: a.id, quantity: 1 }] }, status: 422, code: 'UNKNOWN_CUSTOMER' },
      { who: customer, body: { customer_id: '00000000-0000-4000-8000-000000000000', items: [{ product_id: a.id, quantity: 1 }] }, status: 404, code: 'CUSTOMER_NOT_FOUND' },
      { who: customer, body: { items: [{ product_id: a.id, quantity: 1 }, { product_id: archived.id, quantity: 1 }] }, status: 422, code: 'UNKNOWN_PRODUCT' },
      { who: customer, body: { items: [{ product_id: a.id, quantity: 6 }, { product_id: b.id, quantity: 2 }] }, status: 409, code: 'INSUFFICIENT_STOCK' },
      { who: customer, body: { items: [{ product_id: a.id, quantity: 5 }, { product_id: b.id, quantity: 2 }] }, status: 409, code: 'INSUFFICIENT_STOCK' }
    ]
    for (const c of cases) {
      const res = await postOrder(app, c.who, c.body)
      t.equal(res.statusCode, c.status, res.body)
      t.equal(res.json().code, c.code)
    }
    const last = await postOrder(app, customer, { items: [{ product_id: b.id, quantity: 2 }, { product_id: a.id, quantity: 5 }] })
    t.same(last.json().items, [{ product_id: b.id, requested: 2, available: 1 }], 'only the short line is listed, with requested and available')
    const both = await postOrder(app, customer, { items: [{ product_id: a.id, quantity: 6 }, { product_id: b.id, quantity: 2 }] })
    t.same(both.json().items.map((i: { product_id: string }) => i.product_id).sort(), [a.id, b.id].sort(), 'every short line is listed')

    t.equal(await stockOf(app, a.id), 5)
    t.equal(await stockOf(app, b.id), 1)
    t.equal(await versionOf(app, a.id), 1)
    t.equal(await versionOf(app, b.id), 1)
    t.equal(await countRows(app, 'orders'), 0)
    t.equal(await countRows(app, 'order_items'), 0)

    const ok = await postOrder(app, customer, { items: [{ product_id: b.id, quantity: 1 }, { product_id: a.id, quantity: 5 }] })
    t.equal(ok.statusCode, 201)
    t.same(ok.json().items.map((i: { product_id: string, quantity: number }) => [i.product_id, i.quantity]), [[a.id, 5], [b.id, 1]].sort((x, y) => String(x[0]).localeCompare(String(y[0]))))
    t.equal(await stockOf(app, a.id), 0)
    t.equal(await stockOf(app, b.id), 0)
    t.equal(await versionOf(app, a.id), 2)
  })

  t.test('on Postgres: an order without Idempotency-Key is one round trip (no BEGIN/COMMIT) writing the order and its outbox rows', async (t) => {
    const app = await buildOrdersApp(t)
    const pool = app.dbHandle.pool
    if (pool === null) {
    // Embedded PGlite has no pool to observe; the order and its events are checked below all the same.
      t.equal(app.dbHandle.kind, 'pglite')
    }
    const sent: string[] = []
    const spied = new WeakSet<object>()
    pool?.on('acquire', (client) => {
      if (spied.has(client)) return
      spied.add(client)
      const query = client.query.bind(client)
      // Every statement the app sends through this client (pg's query takes text or a config object).
      client.query = ((config: unknown, ...rest: unknown[]) => {
        sent.push(typeof config === 'string' ? config : typeof config === 'object' && config !== null && 'text' in config ? String(config.text) : '?')
        return Reflect.apply(query, client, [config, ...rest])
      }) as typeof client.query
    })
    const customer = await createUser(app, 'customer')
    const a = await insertProduct(app, { stock: 2 })
    const b = await insertProduct(app, { stock: 5 })
    await app.db.insertInto('webhook_endpoints')
      .values({ url: 'https://example.com/hook', secret: 'x'.repeat(32), events: JSON.stringify(['order.created', 'product.out_of_stock']), enabled: true })
      .execute()

    sent.length = 0
    const res = await postOrder(app, customer, { items: [{ product_id: a.id, quantity: 2 }, { product_id: b.id, quantity: 1 }] })
    t.equal(res.statusCode, 201, res.body)
    if (pool !== null) {
      t.equal(sent.filter((text) => /^\s*(begin|commit|rollback)\b/i.test(text)).length, 0, 'no BEGIN/COMMIT')
      t.equal(sent.filter((text) => text.includes('insert into orders') || text.includes('INSERT INTO orders')).length, 1, 'one order statement')
      t.equal(sent.filter((text) => text.includes('webhook_events')).length, 1, 'the outbox insert is part of it')
      t.equal(sent.filter((text) => /insert|update|delete/i.test(text)).length, 1, 'no other writing statement')
    }
    const events = await app.db.selectFrom('webhook_events').select(['type', 'data']).orderBy('type').execute()
    t.same(events.map((event) => event.type), ['order.created', 'product.out_of_stock'], 'the order, and the product it emptied (b kept stock)')
    const deliveries = await app.db.selectFrom('webhook_deliveries').select('event_id').execute()
    t.equal(deliveries.length, 2, 'one delivery per event for the one subscribed endpoint')
    t.equal(await countRows(app, 'idempotency_keys'), 0)
  })
})
