import { createQueryId, sql, type CompiledQuery } from 'kysely'
import { suite } from '../../helpers/suite.js'
import { lockProductsBySku } from '../../../routes/products/repository.js'
import { buildTestApp } from '../../helpers/app.js'

/**
 * The batch upsert's sku lock (routes/products/repository.ts lockProductsBySku) turns bitmap scans
 * off for its one statement: otherwise the planner answers `sku = any(...)` from pg_trgm's GIN
 * index, seconds for a 1000-item batch (BENCHMARKS.md, "Batch upsert after"). Guarded here: the
 * setting precedes the locking read in the same transaction, that read is planned on the unique
 * btree under it, and the setting is back to the default for the rest of the transaction.
 */
export default suite(import.meta, (t) => {
  t.test('the sku lock reads the unique btree, not the trigram index, and resets the setting', async (t) => {
    const app = await buildTestApp(t)
    const skus = Array.from({ length: 40 }, (_, i) => `LOCK-GUARD-${String(i).padStart(3, '0')}`)
    await app.db.insertInto('products').values(skus.map((sku, i) => ({ sku, name: `Lock guard ${i}`, description: '', price_cents: 100 + i, stock: i }))).execute()

    const statements: CompiledQuery[] = []
    const locked = await app.db.transaction().execute(async (trx) => {
      const watched = trx.withPlugin({
        transformQuery: ({ node }) => { statements.push(trx.getExecutor().compileQuery(node, createQueryId())); return node },
        transformResult: async ({ result }) => result
      })
      const products = await lockProductsBySku(watched, [...skus, 'LOCK-GUARD-MISSING'])
      const { rows } = await sql<{ enable_bitmapscan: string }>`show enable_bitmapscan`.execute(trx)
      t.equal(rows[0]?.enable_bitmapscan, 'on', 'bitmap scans are back on for the rest of the transaction')
      return products
    })
    t.same([...locked.entries()].map(([sku, row]) => [sku, row.sku, row.stock]), skus.map((sku, i) => [sku, sku, i]), 'the row of every existing sku, in sku order; the missing one absent')

    const off = statements.findIndex((statement) => /enable_bitmapscan\s*=\s*off/i.test(statement.sql))
    const read = statements.findIndex((statement) => /for update/i.test(statement.sql))
    t.ok(off >= 0, 'bitmap scans are turned off')
    t.ok(read > off, 'before the locking read')
    const lockRead = statements[read]
    if (lockRead === undefined) return

    const plan = await app.db.transaction().execute(async (trx) => {
      await sql`set local enable_bitmapscan = off`.execute(trx)
      // At test scale a sequential scan is cheapest; what matters is which index serves the lookup.
      await sql`set local enable_seqscan = off`.execute(trx)
      const { rows } = await trx.executeQuery<{ 'QUERY PLAN': string }>({ ...lockRead, sql: `EXPLAIN ${lockRead.sql}` })
      return rows.map((row) => row['QUERY PLAN']).join('\n')
    })
    t.match(plan, /Index Scan using products_sku_key/, plan)
    t.notMatch(plan, /trgm/, 'never the trigram index')
  })
})
