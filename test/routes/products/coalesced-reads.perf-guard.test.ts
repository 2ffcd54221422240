import type { KyselyPlugin, PluginTransformResultArgs, QueryResult, UnknownRow } from 'kysely'
import { suite } from '../../helpers/suite.js'
import { buildTestApp } from '../../helpers/app.js'
import { createUser } from '../../helpers/users.js'
import { insertProduct } from '../orders/fixtures/orders.js'
import { coalescedProductReader } from '../../../routes/products/coalesced-reads.js'
import type { Db } from '../../../db/database.js'

/** Counts the statements a Kysely handle runs; `fail` makes the next ones throw. */
class StatementCounter implements KyselyPlugin {
  statements = 0
  fail = false
  transformQuery<T> (args: { node: T }): T { return args.node }
  async transformResult (args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    this.statements++
    if (this.fail) throw new Error('statement failed')
    return args.result
  }
}

function counted (db: Db): { db: Db, counter: StatementCounter } {
  const counter = new StatementCounter()
  return { db: db.withPlugin(counter), counter }
}

export default suite(import.meta, (t) => {
  t.test('reads of one turn share one statement, and each reader gets its own answer', async (t) => {
    const app = await buildTestApp(t)
    const [a, b] = await Promise.all([insertProduct(app, { name: 'Alpha' }), insertProduct(app, { name: 'Beta' })])
    const archived = await insertProduct(app, { name: 'Gone', archived: true })
    if (a === undefined || b === undefined) throw new Error('no products')
    const { db, counter } = counted(app.db)
    const read = coalescedProductReader(db)

    const missing = '00000000-0000-4000-8000-000000000000'
    const answers = await Promise.all([read(a.id), read(missing), read(b.id.toUpperCase()), read(archived.id), read(a.id), read('not-a-uuid')])
    t.equal(counter.statements, 1, 'one statement for the six reads')
    t.same(answers.map((row) => row?.name), ['Alpha', undefined, 'Beta', undefined, 'Alpha', undefined],
      'each its own row; a missing or archived product, or an id that is not a UUID, none')

    t.same((await read('not-a-uuid')), undefined, 'a turn of invalid ids only sends nothing')
    t.equal(counter.statements, 1)
    await read(a.id)
    await read(b.id)
    t.equal(counter.statements, 3, 'reads of different turns, a statement each')
  })

  t.test('more ids than one statement carries go in several', async (t) => {
    const app = await buildTestApp(t)
    const products = await Promise.all(Array.from({ length: 3 }, async (_, i) => await insertProduct(app, { name: `P${i}` })))
    const { db, counter } = counted(app.db)
    const read = coalescedProductReader(db)
    const ids = Array.from({ length: 250 }, (_, i) => products[i % products.length]?.id ?? '')
    const rows = await Promise.all(ids.map(read))
    t.equal(counter.statements, 3, '250 reads in statements of up to 100')
    t.ok(rows.every((row, i) => row?.id === ids[i]), 'each reader its own row')
  })

  t.test('a failed statement fails the reads it carried, and the next turn reads again', async (t) => {
    const app = await buildTestApp(t)
    const product = await insertProduct(app)
    const { db, counter } = counted(app.db)
    const read = coalescedProductReader(db)
    counter.fail = true
    const failed = await Promise.allSettled([read(product.id), read(product.id)])
    t.same(failed.map((result) => result.status), ['rejected', 'rejected'])
    counter.fail = false
    t.equal((await read(product.id))?.id, product.id)
  })

  t.test('no read is served from memory: a write committed before a read is in its answer', async (t) => {
    const app = await buildTestApp(t)
    const staff = await createUser(app, 'staff')
    const product = await insertProduct(app, { price_cents: 100 })
    const url = `/api/products/${product.id}`
    const before = await app.inject({ method: 'GET', url, headers: staff.headers })
    t.equal(before.json().price_cents, 100)
    const patched = await app.inject({ method: 'PATCH', url, headers: { ...staff.headers, 'if-match': String(before.headers.etag) }, payload: { price_cents: 250 } })
    t.equal(patched.statusCode, 200)
    // Reads of one turn right after the write, one of them conditional on the old tag.
    const [after, conditional] = await Promise.all([
      app.inject({ method: 'GET', url, headers: staff.headers }),
      app.inject({ method: 'GET', url, headers: { ...staff.headers, 'if-none-match': String(before.headers.etag) } })
    ])
    t.equal(after.json().price_cents, 250)
    t.equal(after.headers.etag, patched.headers.etag, 'the new ETag')
    t.equal(conditional.statusCode, 200, 'the old tag no longer matches')
    const upper = await app.inject({ method: 'GET', url: url.toUpperCase().replace('/API/PRODUCTS/', '/api/products/'), headers: staff.headers })
    t.equal(upper.statusCode, 200, 'an upper-case id reads the same product')
    t.equal(upper.json().id, product.id)
    // A write straight to the database (another replica's, say) is seen just as well.
    await app.db.updateTable('products').set({ stock: 7 }).where('id', '=', product.id).execute()
    t.equal((await app.inject({ method: 'GET', url, headers: staff.headers })).json().stock, 7)
  })
})
