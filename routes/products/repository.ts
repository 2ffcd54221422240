import { sql, type CompiledQuery, type Selectable } from 'kysely'
import type { Db, ProductsTable } from '../../db/database.js'
import { nameStatement, nameStatementShape } from '../../db/named-statements.js'
import { containsPattern, keyValue } from '../../db/keyset-values.js'
import type { KeysetPosition, SortOrder } from '../../lib/http/keyset.js'
import { isoTimestamp, preciseTimestamp } from '../../db/sql-timestamps.js'

export type ProductRecord = Omit<Selectable<ProductsTable>, 'archived_at'>
/** A catalog list row: timestamps already as ISO text (what the API returns), plus the cursor key. */
export type ProductListRecord = Omit<ProductRecord, 'created_at' | 'updated_at' | 'version'> & { created_at_iso: string, updated_at_iso: string, created_at_key: string, relevance_key: number }
export type ProductSortColumn = 'created_at' | 'price_cents' | 'name' | 'relevance'

export interface ProductFields {
  sku: string
  name: string
  description: string
  price_cents: number
  stock: number
}

export interface ProductFilter {
  q?: string | undefined
  minPriceCents?: number | undefined
  maxPriceCents?: number | undefined
  inStock?: boolean | undefined
}

const COLUMNS = ['id', 'sku', 'name', 'description', 'price_cents', 'stock', 'created_at', 'updated_at', 'version'] as const
const LIST_COLUMNS = ['id', 'sku', 'name', 'description', 'price_cents', 'stock'] as const

// Never moves backwards (the ETag comes from the row version, not from this).
const nextUpdatedAt = sql<Date>`greatest(now(), updated_at)`

const selectProduct = (db: Db, id: string) => db.selectFrom('products').select(COLUMNS).where('id', '=', id).where('archived_at', 'is', null)

/**
 * The catalog read by id is the hottest query. Its readers are coalesced (coalesced-reads.ts), so
 * it takes every id of one event-loop turn. Kysely builds and compiles each statement once per
 * database handle, and each call binds the id, or the ids as an array, as its only parameter ($1).
 * On Postgres they run as named statements, planned once per connection (db/named-statements.ts).
 * One id (every read at light load) takes `"id" = $1`, which Postgres answers sooner than `= any`
 * (BENCHMARKS.md, "Issue 26: coalesced reads").
 */
const compiledFindOne = new WeakMap<Db, CompiledQuery<ProductRecord>>()
const compiledFindMany = new WeakMap<Db, CompiledQuery<ProductRecord>>()

function findProductsQuery (db: Db, ids: readonly string[]): CompiledQuery<ProductRecord> {
  const [id, ...more] = ids
  if (id !== undefined && more.length === 0) {
    let compiled = compiledFindOne.get(db)
    if (compiled === undefined) {
      compiled = nameStatement('product_by_id', selectProduct(db, id).compile())
      compiledFindOne.set(db, compiled)
    }
    return { ...compiled, parameters: [id] }
  }
  let compiled = compiledFindMany.get(db)
  if (compiled === undefined) {
    compiled = nameStatement('products_by_ids', db.selectFrom('products').select(COLUMNS).where((eb) => eb('id', '=', eb.fn.any(eb.val([...ids])))).where('archived_at', 'is', null).compile())
    compiledFindMany.set(db, compiled)
  }
  return { ...compiled, parameters: [ids] }
}

/** The catalog's products with these ids (archived ones are gone for the catalog), in no particular order. */
export async function findProducts (db: Db, ids: readonly string[]): Promise<ProductRecord[]> {
  if (ids.length === 0) return []
  const { rows } = await db.executeQuery(findProductsQuery(db, ids))
  return rows
}

/** A catalog product by id, its row locked until the transaction ends (a write's read). */
export async function lockProduct (trx: Db, id: string): Promise<ProductRecord | undefined> {
  return await selectProduct(trx, id).forUpdate().executeTakeFirst()
}

/** The catalog listing in sort order from a keyset position (null: from the start), without a limit. */
function listProductsQuery (db: Db, filter: ProductFilter, sort: SortOrder<ProductSortColumn>, after: KeysetPosition | null) {
  const direction = sort.descending ? 'desc' : 'asc'
  // Relevance: the better trigram similarity of q to the name or the sku, as an integer (millionths)
  // so the cursor's key compares exactly; 0 when there is no q (the service refuses that sort then).
  const q = filter.q
  const relevance = q === undefined
    ? sql<number>`0`
    : sql<number>`cast(round(cast(greatest(similarity(name, ${q}), similarity(sku, ${q})) as numeric) * 1000000) as integer)`
  const key = sort.column === 'relevance' ? relevance : sql.ref(sort.column)
  let query = db.selectFrom('products')
    .select(LIST_COLUMNS)
    .select(isoTimestamp('created_at').as('created_at_iso'))
    .select(isoTimestamp('updated_at').as('updated_at_iso'))
    .select(preciseTimestamp('created_at').as('created_at_key'))
    .select(relevance.as('relevance_key'))
    .where('archived_at', 'is', null)
  if (filter.q !== undefined) {
    const pattern = containsPattern(filter.q)
    query = query.where((eb) => eb.or([eb('name', 'ilike', pattern), eb('sku', 'ilike', pattern)]))
  }
  if (filter.minPriceCents !== undefined) query = query.where('price_cents', '>=', filter.minPriceCents)
  if (filter.maxPriceCents !== undefined) query = query.where('price_cents', '<=', filter.maxPriceCents)
  if (filter.inStock !== undefined) query = query.where('stock', filter.inStock ? '>' : '=', 0)
  if (after !== null) {
    query = query.where((eb) => eb(
      eb.tuple(key, eb.ref('id')), sort.descending ? '<' : '>', eb.tuple(keyValue(after, sort.kind), after.id)
    ))
  }
  return query.orderBy(key, direction).orderBy('id', direction)
}

export async function listProducts (
  db: Db, filter: ProductFilter, sort: SortOrder<ProductSortColumn>, after: KeysetPosition | null, limit: number
): Promise<ProductListRecord[]> {
  // 5 sorts x first page or not x 3 optional filters: a bounded set of SQL shapes, each planned
  // once per connection (the catalog list is the second-hottest read). Not a search: a cached
  // generic plan cannot see the term, estimates ILIKE blindly and walks the sort index past
  // every row for a rare term (measured: 3-5 s at 1M products instead of a trigram bitmap scan).
  const compiled = listProductsQuery(db, filter, sort, after).limit(limit + 1).compile()
  return (await db.executeQuery(filter.q === undefined ? nameStatementShape('products_list', compiled) : compiled)).rows
}

/**
 * The whole listing through a server-side cursor (Postgres only: the dialect's pg-cursor), read
 * `chunkSize` rows at a time: memory stays at one chunk however many rows match. Run it in a
 * transaction (db/read-snapshot.ts). pg-cursor sends no Sync between its reads, so for
 * statement_timeout the whole export is one statement: the timeout is lifted for this
 * transaction only. What still bounds it: a client that stops reading leaves the session idle in
 * the transaction, which idle_in_transaction_session_timeout ends (db/connect.ts), and a server
 * that goes silent trips the socket watchdog.
 */
export async function * streamProducts (db: Db, filter: ProductFilter, sort: SortOrder<ProductSortColumn>, chunkSize: number): AsyncGenerator<ProductListRecord, void, undefined> {
  await sql`set local statement_timeout = 0`.execute(db)
  yield * listProductsQuery(db, filter, sort, null).stream(chunkSize)
}

export async function insertProduct (db: Db, fields: ProductFields): Promise<ProductRecord> {
  return await db.insertInto('products').values(fields).returning(COLUMNS).executeTakeFirstOrThrow()
}

export async function updateProduct (db: Db, id: string, fields: Partial<ProductFields>): Promise<ProductRecord> {
  return await db.updateTable('products')
    .set({ ...fields, updated_at: nextUpdatedAt })
    .where('id', '=', id)
    .returning(COLUMNS)
    .executeTakeFirstOrThrow()
}

export async function isInAnyOrder (db: Db, id: string): Promise<boolean> {
  const row = await db.selectFrom('order_items').select('id').where('product_id', '=', id).limit(1).executeTakeFirst()
  return row !== undefined
}

export async function archiveProduct (db: Db, id: string): Promise<void> {
  await db.updateTable('products').set({ archived_at: sql<Date>`now()`, updated_at: nextUpdatedAt }).where('id', '=', id).execute()
}

export async function deleteProduct (db: Db, id: string): Promise<void> {
  await db.deleteFrom('products').where('id', '=', id).execute()
}

/**
 * The products with these skus (archived ones included), locked for the batch's transaction in
 * sku order: their stock before the batch (out-of-stock events) and their rows (the audit's
 * before). Run in a transaction. pg_trgm's GIN index on sku also answers `=`, and
 * the planner prices it far too cheaply: it chose it for this lookup, a bitmap scan of the trigram
 * index that took 7-8 s for 1000 skus among 6000 products (the unique btree: 30 ms; BENCHMARKS.md,
 * "Batch upsert after"). GIN only serves bitmap scans, so they are off for this one statement.
 */
export async function lockProductsBySku (db: Db, skus: readonly string[]): Promise<Map<string, ProductRecord>> {
  if (skus.length === 0) return new Map()
  await sql`set local enable_bitmapscan = off`.execute(db)
  const rows = await db.selectFrom('products').select(COLUMNS)
    .where('sku', '=', sql<string>`any(cast(${[...skus]} as text[]))`)
    .orderBy('sku').forUpdate().execute()
  await sql`set local enable_bitmapscan to default`.execute(db)
  return new Map(rows.map((row) => [row.sku, row]))
}

/**
 * Inserts or replaces the products by sku in one statement; `inserted` tells which were new.
 * Archived products keep their sku and are not changed: they are missing from the result.
 * The items travel as five arrays (unnest), not 5 parameters per item: a 1000-item batch is
 * one small statement that Postgres parses and plans in no time, written in the items' order.
 */
export async function upsertProductsBySku (db: Db, items: readonly ProductFields[]): Promise<Array<ProductRecord & { inserted: boolean }>> {
  if (items.length === 0) return []
  const column = <K extends keyof ProductFields> (key: K): Array<ProductFields[K]> => items.map((item) => item[key])
  const input = sql<ProductFields>`unnest(
    cast(${column('sku')} as text[]), cast(${column('name')} as text[]), cast(${column('description')} as text[]),
    cast(${column('price_cents')} as bigint[]), cast(${column('stock')} as integer[])
  ) with ordinality`.as<'input'>(sql`input(sku, name, description, price_cents, stock, position)`)
  return await db.insertInto('products')
    .columns(['sku', 'name', 'description', 'price_cents', 'stock'])
    .expression(db.selectFrom(input).select(['input.sku', 'input.name', 'input.description', 'input.price_cents', 'input.stock']).orderBy(sql`input.position`))
    .onConflict((oc) => oc.column('sku')
      .doUpdateSet((eb) => ({
        name: eb.ref('excluded.name'),
        description: eb.ref('excluded.description'),
        price_cents: eb.ref('excluded.price_cents'),
        stock: eb.ref('excluded.stock'),
        updated_at: sql<Date>`greatest(now(), products.updated_at)`
      }))
      .where('products.archived_at', 'is', null))
    .returning(COLUMNS)
    .returning(sql<boolean>`products.xmax = 0`.as('inserted'))
    .execute()
}
