import { readFileSync } from 'node:fs'
import { CompiledQuery, Kysely, PostgresDialect, sql } from 'kysely'
import pg from 'pg'
import { suite } from '../helpers/suite.js'
import { nameStatement, nameStatementShape, namingPool, statementName } from '../../db/named-statements.js'
import { buildTestApp } from '../helpers/app.js'
import { createTestDatabase, usingRealPostgres } from '../helpers/database.js'
import { createUser } from '../helpers/users.js'
import { findProducts } from '../../routes/products/repository.js'

const BASELINE = new URL('../../scripts/bench-baseline.ts', import.meta.url)

/** The SQL text of the baseline's SELECT_PRODUCT constant (string literals joined with +). */
function baselineSql (): string {
  const source = readFileSync(BASELINE, 'utf8')
  const declaration = /const SELECT_PRODUCT = ((?:'[^']*'\s*\+?\s*)+)\n/.exec(source)?.[1]
  if (declaration === undefined) throw new Error('SELECT_PRODUCT not found in bench-baseline.ts')
  return [...declaration.matchAll(/'([^']*)'/g)].map((match) => match[1]).join('')
}

export default suite(import.meta, (t) => {
  t.test('the product reads by id are the named statements product_by_id and products_by_ids, and the bench baseline sends the first', async (t) => {
    const app = await buildTestApp(t)
    const user = await createUser(app, 'customer')
    const [product] = await app.db.insertInto('products')
      .values({ sku: 'NS-1', name: 'Named', description: '', price_cents: 100, stock: 1 }).returning('id').execute()
    const read = await app.inject({ method: 'GET', url: `/api/products/${product?.id ?? ''}`, headers: user.headers })
    t.equal(read.statusCode, 200)
    t.equal(read.json().sku, 'NS-1')
    const baseline = baselineSql()
    t.equal(statementName(baseline), 'product_by_id', 'baseline SQL is the app statement for one id, byte for byte')
    // A turn with several reads takes them all in one statement (routes/products/coalesced-reads.ts).
    const id = product?.id ?? ''
    t.same((await findProducts(app.db, [id, '00000000-0000-4000-8000-000000000000'])).map((row) => row.sku), ['NS-1'])
    t.equal(statementName(baseline.replace('"id" = $1 ', '"id" = any($1) ')), 'products_by_ids', 'the same but for the ids it takes')
  })

  t.test('nameStatement refuses a name reused for other SQL and SELECT * statements', async (t) => {
    const query = (text: string): CompiledQuery => CompiledQuery.raw(text, [1])
    nameStatement('guard_one', query('select $1::int as "one"'))
    t.doesNotThrow(() => nameStatement('guard_one', query('select $1::int as "one"')), 'same name, same SQL: fine')
    t.throws(() => nameStatement('guard_one', query('select $1::int as "two"')), /already used/)
    t.throws(() => nameStatement('guard_other', query('select $1::int as "one"')), /already named guard_one/, 'one name per SQL text')
    t.throws(() => nameStatement('guard_star', query('select * from products where id = $1')), /explicit column lists/)
    t.equal(statementName('select $1::int as "two"'), undefined)
  })

  t.test('nameStatementShape gives each new SQL shape of a family its own name, and the same shape the same name', async (t) => {
    const shape = (text: string): CompiledQuery => nameStatementShape('guard_shape', CompiledQuery.raw(text, [1]))
    shape('select $1::int as "a"')
    shape('select $1::int as "b"')
    shape('select $1::int as "a"')
    t.equal(statementName('select $1::int as "a"'), 'guard_shape_1')
    t.equal(statementName('select $1::int as "b"'), 'guard_shape_2')
    t.throws(() => shape('select * from products'), /explicit column lists/)
  })

  t.test('on Postgres: registered SQL is prepared once per connection, other SQL stays unnamed, results unchanged', async (t) => {
    if (!usingRealPostgres()) {
    // Embedded PGlite has no pg pool: the app's reads must not depend on naming.
      const app = await buildTestApp(t)
      t.equal(app.dbHandle.pool, null)
      const { rows } = await sql<{ n: number }>`select 41 + 1 as n`.execute(app.db)
      t.same(rows, [{ n: 42 }])
      return
    }
    const { url } = await createTestDatabase(t)
    const pool = new pg.Pool({ connectionString: url ?? '', max: 1 })
    const db = new Kysely<{ items: { id: number, label: string } }>({ dialect: new PostgresDialect({ pool: namingPool(pool) }) })
    t.teardown(async () => { await db.destroy() })
    await sql`create table items (id int primary key, label text not null)`.execute(db)
    await db.insertInto('items').values([{ id: 1, label: 'one' }, { id: 2, label: 'two' }]).execute()

    const byId = nameStatement('guard_item_by_id', db.selectFrom('items').select(['id', 'label']).where('id', '=', 0).compile())
    const first = await db.executeQuery({ ...byId, parameters: [1] })
    const second = await db.executeQuery({ ...byId, parameters: [2] })
    t.same([first.rows, second.rows], [[{ id: 1, label: 'one' }], [{ id: 2, label: 'two' }]])

    const prepared = await sql<{ name: string, statement: string }>`select name, statement from pg_prepared_statements`.execute(db)
    t.same(prepared.rows, [{ name: 'guard_item_by_id', statement: byId.sql }], 'only the registered statement is prepared, once')

    const updated = await db.updateTable('items').set({ label: 'uno' }).where('id', '=', 1).executeTakeFirst()
    t.equal(updated.numUpdatedRows, 1n, 'row counts still reach Kysely')
    await db.transaction().execute(async (trx) => {
      t.same((await trx.executeQuery({ ...byId, parameters: [1] })).rows, [{ id: 1, label: 'uno' }], 'named statement inside a transaction')
    })
  })
})
