import { suite } from '../helpers/suite.js'
import { CompiledQuery, sql } from 'kysely'
import type { Db } from '../../db/database.js'
import { buildTestApp } from '../helpers/app.js'
import { createUser } from '../helpers/users.js'

/**
 * The catalog and customer searches are ILIKE '%term%': only a trigram index can serve them.
 * At test scale the planner rightly prefers a scan, so the check is that the index CAN serve
 * the exact predicates the repositories send (sequential scans disabled), on PGlite and Postgres.
 * At 1M rows the plans are measured by `npm run bench:scale` (BENCHMARKS.md).
 */
async function planOf (db: Db, query: string, params: unknown[]): Promise<string> {
  return await db.connection().execute(async (connection) => {
    await sql`SET enable_seqscan = off`.execute(connection)
    try {
      const { rows } = await connection.executeQuery<{ 'QUERY PLAN': string }>(CompiledQuery.raw(`EXPLAIN ${query}`, params))
      return rows.map((row) => row['QUERY PLAN']).join('\n')
    } finally {
      await sql`RESET enable_seqscan`.execute(connection)
    }
  })
}

export default suite(import.meta, (t) => {
  t.test('product and customer searches can use the trigram indexes', async (t) => {
    const app = await buildTestApp(t)
    const user = await createUser(app, 'staff')
    const product = await app.inject({ method: 'GET', url: '/api/products?q=shirt', headers: user.headers })
    t.equal(product.statusCode, 200)
    const customer = await app.inject({ method: 'GET', url: '/api/customers?q=smith', headers: user.headers })
    t.equal(customer.statusCode, 200)

    const productPlan = await planOf(app.db,
      'SELECT id FROM products WHERE archived_at IS NULL AND (name ILIKE $1 OR sku ILIKE $1)', ['%shirt%'])
    t.match(productPlan, /products_name_trgm_idx/, productPlan)
    t.match(productPlan, /products_sku_trgm_idx/)
    const customerPlan = await planOf(app.db,
      'SELECT id FROM customers WHERE (first_name || \' \' || last_name) ILIKE $1 OR email ILIKE $1', ['%smith%'])
    t.match(customerPlan, /customers_full_name_trgm_idx/, customerPlan)
    t.match(customerPlan, /customers_email_trgm_idx/)
  })

  t.test('customer search still matches first name, last name, "first last" and email', async (t) => {
    const app = await buildTestApp(t)
    const staff = await createUser(app, 'staff')
    await app.db.insertInto('customers').values([
      { first_name: 'Ada', last_name: 'Lovelace', email: 'ada@example.com' },
      { first_name: 'Grace', last_name: 'Hopper', email: 'countess@navy.example' }
    ]).execute()
    const emails = async (q: string): Promise<string[]> => {
      const res = await app.inject({ method: 'GET', url: `/api/customers?q=${encodeURIComponent(q)}`, headers: staff.headers })
      return res.json().data.map((c: { email: string }) => c.email).filter((e: string) => !e.startsWith('staff-')).sort()
    }
    t.same(await emails('ADA'), ['ada@example.com'])
    t.same(await emails('hopper'), ['countess@navy.example'])
    t.same(await emails('ada love'), ['ada@example.com'], 'across first and last name')
    t.same(await emails('navy.ex'), ['countess@navy.example'])
    t.same(await emails('ce H'), ['countess@navy.example'])
    t.same(await emails('zz'), [])
  })
})
