import type { FastifyInstance } from 'fastify'
import { suite } from '../../helpers/suite.js'
import { createUser, type TestUser } from '../../helpers/users.js'
import { buildOrdersApp, insertProduct, postOrder, transition } from '../orders/fixtures/orders.js'
import { waitForFeed } from '../events/fixtures.js'

async function representation (app: FastifyInstance, staff: TestUser, url: string): Promise<unknown> {
  const res = await app.inject({ method: 'GET', url, headers: staff.headers })
  if (res.statusCode !== 200) throw new Error(`GET ${url} failed: ${res.statusCode} ${res.body}`)
  return res.json()
}

/**
 * The payload of each event is its resource as GET shows it (staff view): order.created and the
 * order's product.out_of_stock are built in SQL inside the order statement (orderJson,
 * productJson), the others in TypeScript (presentOrder, presentProduct).
 */
export default suite(import.meta, (t) => {
  t.test('a refused order writes no event', async (t) => {
    const app = await buildOrdersApp(t)
    const staff = await createUser(app, 'staff')
    const customer = await createUser(app, 'customer')
    const product = await insertProduct(app, { stock: 1 })
    t.equal((await postOrder(app, customer, { items: [{ product_id: product.id, quantity: 2 }] })).statusCode, 409)
    t.same(await waitForFeed(app, staff, 0), [])
    t.same(await app.db.selectFrom('webhook_events').select('id').execute(), [], 'nothing in the outbox, visible or not')
  })

  for (const idempotent of [false, true]) {
    t.test(`order.created and the order's product.out_of_stock equal GET (${idempotent ? 'with' : 'without'} an Idempotency-Key)`, async (t) => {
      const app = await buildOrdersApp(t)
      const staff = await createUser(app, 'staff')
      const customer = await createUser(app, 'customer')
      const emptied = await insertProduct(app, { stock: 2, price_cents: 1999 })
      const kept = await insertProduct(app, { stock: 10, price_cents: 250 })
      const third = await insertProduct(app, { stock: 5 })
      // Text the SQL must escape as JSON exactly as JSON.stringify does.
      await app.db.updateTable('products').set({ description: 'Ünïcode "quoted" \\ back\nslash\ttab \u0001' }).where('id', '=', emptied.id).execute()
      const ids = [emptied.id, kept.id, third.id].sort().reverse()
      const headers: Record<string, string> = idempotent ? { 'idempotency-key': 'payload-test' } : {}
      const order = await postOrder(app, customer, { items: ids.map((id) => ({ product_id: id, quantity: id === emptied.id ? 2 : 1 })) }, headers)
      t.equal(order.statusCode, 201)

      const events = await waitForFeed(app, staff, 2)
      t.same(events.map((event) => event.type), ['order.created', 'product.out_of_stock'])
      const created = events.find((event) => event.type === 'order.created')
      t.strictSame(created?.data, await representation(app, staff, `/api/orders/${order.json().id}`), 'order.created is the order as staff GET it')
      t.strictSame(order.json(), { ...(created?.data ?? {}), allowed_transitions: ['cancelled'] }, 'and as the customer was answered, but for its own moves')
      const soldOut = events.find((event) => event.type === 'product.out_of_stock')
      t.strictSame(soldOut?.data, await representation(app, staff, `/api/products/${emptied.id}`), 'product.out_of_stock is the product as GET shows it')
    })
  }

  t.test('order.status_changed, and product.out_of_stock from PATCH and from a batch, equal GET', async (t) => {
    const app = await buildOrdersApp(t)
    const staff = await createUser(app, 'staff')
    const customer = await createUser(app, 'customer')
    const product = await insertProduct(app, { stock: 3 })
    const order = await postOrder(app, customer, { items: [{ product_id: product.id, quantity: 1 }] })
    t.equal(order.statusCode, 201)
    t.equal((await transition(app, staff, order.json().id, 'paid')).statusCode, 200)
    t.equal((await app.inject({ method: 'PATCH', url: `/api/products/${product.id}`, headers: staff.headers, payload: { stock: 0 } })).statusCode, 200)
    const batched = await insertProduct(app, { stock: 4 })
    const batch = await app.inject({
      method: 'POST',
      url: '/api/products/batch',
      headers: staff.headers,
      payload: { mode: 'per_item', items: [{ sku: batched.sku, name: batched.name, price_cents: batched.price_cents, stock: 0 }] }
    })
    t.equal(batch.statusCode, 200)

    const events = await waitForFeed(app, staff, 4)
    t.same(events.map((event) => event.type), ['order.created', 'order.status_changed', 'product.out_of_stock', 'product.out_of_stock'])
    const [, changed, patched, upserted] = events
    t.strictSame(changed?.data, { ...await representation(app, staff, `/api/orders/${order.json().id}`) as object, previous_status: 'pending' })
    t.strictSame(patched?.data, await representation(app, staff, `/api/products/${product.id}`))
    t.strictSame(upserted?.data, await representation(app, staff, `/api/products/${batched.id}`))
  })
})
