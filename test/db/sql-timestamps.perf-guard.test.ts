import { sql } from 'kysely'
import { suite } from '../helpers/suite.js'
import { buildTestApp } from '../helpers/app.js'
import { createUser } from '../helpers/users.js'

export default suite(import.meta, (t) => {
  t.test('list pages show the same timestamps as the product itself (ISO, UTC, milliseconds truncated)', async (t) => {
    const app = await buildTestApp(t)
    const user = await createUser(app, 'customer')
    const stamps = ['2026-01-02 03:04:05.123987+00', '2025-12-31 23:59:59.999999+00', '2026-06-30 22:00:00+02', '2026-03-01 00:00:00.0005+00']
    for (const [i, stamp] of stamps.entries()) {
      await app.db.insertInto('products').values({
        sku: `TS-${i}`,
        name: `Timestamp ${i}`,
        description: '',
        price_cents: 100,
        stock: 1,
        created_at: sql<Date>`cast(${stamp} as timestamptz)`,
        updated_at: sql<Date>`cast(${stamp} as timestamptz) + interval '1.2345 seconds'`
      }).execute()
    }
    const list = await app.inject({ method: 'GET', url: '/api/products?limit=10', headers: user.headers })
    t.equal(list.statusCode, 200)
    const items: Array<{ id: string, created_at: string, updated_at: string }> = list.json().data
    t.equal(items.length, stamps.length)
    for (const item of items) {
      const one = await app.inject({ method: 'GET', url: `/api/products/${item.id}`, headers: user.headers })
      t.equal(item.created_at, one.json().created_at, 'created_at as by id')
      t.equal(item.updated_at, one.json().updated_at, 'updated_at as by id')
    }
    t.same(items.map((item) => item.created_at).sort(), [
      '2025-12-31T23:59:59.999Z', '2026-01-02T03:04:05.123Z', '2026-03-01T00:00:00.000Z', '2026-06-30T20:00:00.000Z'
    ])
  })
})
