import type { FastifyInstance } from 'fastify'
import pg from 'pg'
import { suite } from '../../helpers/suite.js'
import { buildTestApp } from '../../helpers/app.js'
import { createTestDatabase, usingRealPostgres } from '../../helpers/database.js'
import { createUser, type TestUser } from '../../helpers/users.js'
import { waitFor } from '../../helpers/wait.js'

interface Page { data: Array<{ id: string, action: string }>, next_cursor: string | null }

const AUDIT_ROW = `INSERT INTO audit_events (actor_type, actor_id, action, resource_type, resource_id, changes, request_id)
  VALUES ('user', gen_random_uuid(), 'product.updated', 'product', gen_random_uuid(), '{"stock":[1,2]}', 'late') RETURNING id`

async function readAudit (app: FastifyInstance, admin: TestUser, query: string): Promise<Page> {
  const res = await app.inject({ method: 'GET', url: `/api/audit-events${query}`, headers: admin.headers })
  if (res.statusCode !== 200) throw new Error(`reading the audit log failed: ${res.statusCode} ${res.body}`)
  return res.json()
}

/** Every row, following next_cursor with pages of one. */
async function readAll (app: FastifyInstance, admin: TestUser): Promise<string[]> {
  const ids: string[] = []
  let cursor: string | null = null
  for (let page = 0; page < 50; page++) {
    const result: Page = await readAudit(app, admin, `?limit=1${cursor === null ? '' : `&after=${cursor}`}`)
    ids.push(...result.data.map((e) => e.id))
    cursor = result.next_cursor
    if (cursor === null) break
  }
  return ids
}

async function createProduct (app: FastifyInstance, staff: TestUser, sku: string): Promise<void> {
  const res = await app.inject({ method: 'POST', url: '/api/products', headers: staff.headers, payload: { sku, name: sku, price_cents: 100, stock: 1 } })
  if (res.statusCode !== 201) throw new Error(`create failed: ${res.statusCode} ${res.body}`)
}

export default suite(import.meta, (t) => {
  // Overlapping writers need real Postgres (embedded PGlite has one connection, so a change cannot wait on another).
  t.test('a change that started earlier and commits later is listed after the changes that committed while it ran, never behind a cursor', async (t) => {
    const { env: databaseEnv, url } = await createTestDatabase(t)
    const app = await buildTestApp(t, { databaseEnv })
    const admin = await createUser(app, 'admin')
    const staff = await createUser(app, 'staff')
    await createProduct(app, staff, 'AUDIT-CC-0')
    const before = await waitFor('the first change listed', async () => {
      const ids = await readAll(app, admin)
      return ids.length === 1 ? ids : undefined
    })
    if (!usingRealPostgres() || url === null) {
      await createProduct(app, staff, 'AUDIT-CC-1')
      const ids = await readAll(app, admin)
      t.same(ids.slice(0, 1), before, 'a later change is listed after the earlier one')
      t.equal(ids.length, 2)
      return
    }
    const late = new pg.Client({ connectionString: url })
    await late.connect()
    t.teardown(async () => { await late.end() })

    // The late change starts first (its `at`, now() of its transaction, is the earliest)...
    await late.query('BEGIN')
    const lateId: string = (await late.query(AUDIT_ROW)).rows[0].id
    // ...two changes commit while it runs.
    await createProduct(app, staff, 'AUDIT-CC-1')
    await createProduct(app, staff, 'AUDIT-CC-2')
    t.same(await readAll(app, admin), before, 'nothing is listed past a transaction still running')

    await late.query('COMMIT')
    const all = await waitFor('every change listed', async () => {
      const ids = await readAll(app, admin)
      return ids.length === 4 ? ids : undefined
    })
    t.same(all.slice(0, 2), [...before, lateId], 'the late change comes next, in transaction order, after every cursor handed out before it committed')
    const rows = await app.db.selectFrom('audit_events').select(['id', 'at']).orderBy('at').orderBy('id').execute()
    t.equal(rows[1]?.id, lateId, 'in (at, id) order it would have sorted before the changes a reader had already paged past')
  })

  if (usingRealPostgres()) {
    t.test('a transaction held open in another database of the server does not hold the audit log back', async (t) => {
      const { env: databaseEnv } = await createTestDatabase(t)
      const other = await createTestDatabase(t)
      const app = await buildTestApp(t, { databaseEnv })
      const admin = await createUser(app, 'admin')
      const staff = await createUser(app, 'staff')
      const foreign = new pg.Client({ connectionString: other.url ?? '' })
      await foreign.connect()
      t.teardown(async () => { await foreign.end() })

      // The other database's transaction takes its xid before the change is made.
      await foreign.query('BEGIN')
      await foreign.query('SELECT pg_current_xact_id()')
      await createProduct(app, staff, 'AUDIT-FOREIGN-0')
      const ids = await waitFor('the change listed while the other database\'s transaction is open', async () => {
        const listed = await readAll(app, admin)
        return listed.length > 0 ? listed : undefined
      })
      t.equal(ids.length, 1, 'the one change')
      await foreign.query('ROLLBACK')
    })
  }
})
