/**
 * `npm run bench:scale`: the catalog at scale. On a dedicated database (created on
 * DATABASE_URL's server, default postgres://postgres@127.0.0.1:5432/postgres, dropped at the end
 * unless BENCH_SCALE_KEEP=1) it migrates, seeds 1,000,000 products, 100,000 customers and
 * 200,000 orders with generate_series, then runs each list and search query the way the
 * repositories send it and prints its median and p99 and the scans of its plan. The search
 * queries run twice: without the trigram indexes (before) and with them (after).
 *
 * Env: BENCH_SCALE_PRODUCTS (1000000), BENCH_SCALE_CUSTOMERS (100000), BENCH_SCALE_ORDERS (200000),
 * BENCH_SCALE_RUNS per query (40; a query stops early after BENCH_SCALE_SECONDS, 20).
 */
import { randomBytes } from 'node:crypto'
import { CompiledQuery, Kysely, PostgresDialect, sql } from 'kysely'
import pg from 'pg'
import type { Database, Db } from '../db/database.js'
import { migrateToLatest } from '../db/migrate.js'
import { namingPool } from '../db/named-statements.js'
import { listCustomers } from '../routes/customers/repository.js'
import type { SortOrder } from '../lib/http/keyset.js'
import { listOrders } from '../routes/orders/repository.js'
import { listProducts, type ProductSortColumn } from '../routes/products/repository.js'

const count = (name: string, fallback: number): number => {
  const value = Number(process.env[name] ?? fallback)
  if (!Number.isSafeInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer`)
  return value
}
const PRODUCTS = count('BENCH_SCALE_PRODUCTS', 1_000_000)
const CUSTOMERS = count('BENCH_SCALE_CUSTOMERS', 100_000)
const ORDERS = count('BENCH_SCALE_ORDERS', 200_000)
const RUNS = count('BENCH_SCALE_RUNS', 40)
const MAX_SECONDS = count('BENCH_SCALE_SECONDS', 20)
const TRIGRAM_INDEXES = {
  products_name_trgm_idx: 'CREATE INDEX products_name_trgm_idx ON products USING gin (name gin_trgm_ops)',
  products_sku_trgm_idx: 'CREATE INDEX products_sku_trgm_idx ON products USING gin (sku gin_trgm_ops)',
  customers_full_name_trgm_idx: 'CREATE INDEX customers_full_name_trgm_idx ON customers USING gin ((first_name || \' \' || last_name) gin_trgm_ops)',
  customers_email_trgm_idx: 'CREATE INDEX customers_email_trgm_idx ON customers USING gin (email gin_trgm_ops)'
}

const BY_CREATED: SortOrder<ProductSortColumn> = { name: 'created_at', column: 'created_at', kind: 'timestamp', descending: false }
const BY_PRICE_DESC: SortOrder<ProductSortColumn> = { name: '-price_cents', column: 'price_cents', kind: 'integer', descending: true }
const BY_NAME: SortOrder<ProductSortColumn> = { name: 'name', column: 'name', kind: 'text', descending: false }

interface Query { name: string, search: boolean, run: (db: Db) => Promise<unknown> }

const QUERIES: Query[] = [
  { name: 'products, first page (created_at)', search: false, run: async (db) => await listProducts(db, {}, BY_CREATED, null, 20) },
  { name: 'products, -price_cents', search: false, run: async (db) => await listProducts(db, {}, BY_PRICE_DESC, null, 20) },
  { name: 'products, name', search: false, run: async (db) => await listProducts(db, {}, BY_NAME, null, 20) },
  { name: 'products, in_stock + price range', search: false, run: async (db) => await listProducts(db, { inStock: true, minPriceCents: 500, maxPriceCents: 600 }, BY_CREATED, null, 20) },
  { name: 'products, q rare (SC-777777, 1 match)', search: true, run: async (db) => await listProducts(db, { q: 'SC-777777' }, BY_CREATED, null, 20) },
  { name: 'products, q rare name (lamp 4242, few)', search: true, run: async (db) => await listProducts(db, { q: 'lamp 4242' }, BY_CREATED, null, 20) },
  { name: 'products, q common (shirt)', search: true, run: async (db) => await listProducts(db, { q: 'shirt' }, BY_CREATED, null, 20) },
  { name: 'products, q absent (zzzqqq, 0 matches)', search: true, run: async (db) => await listProducts(db, { q: 'zzzqqq' }, BY_CREATED, null, 20) },
  { name: 'products, q 2 chars common (ir)', search: true, run: async (db) => await listProducts(db, { q: 'ir' }, BY_CREATED, null, 20) },
  { name: 'products, q 2 chars absent (qz)', search: true, run: async (db) => await listProducts(db, { q: 'qz' }, BY_CREATED, null, 20) },
  { name: 'customers, first page', search: false, run: async (db) => await listCustomers(db, { kind: 'all' }, undefined, null, 20) },
  { name: 'customers, q rare (c77777@, 1 match)', search: true, run: async (db) => await listCustomers(db, { kind: 'all' }, 'c77777@', null, 20) },
  { name: 'customers, q common (smith)', search: true, run: async (db) => await listCustomers(db, { kind: 'all' }, 'smith', null, 20) },
  { name: 'orders, first page', search: false, run: async (db) => await listOrders(db, { kind: 'all' }, {}, 21) },
  { name: 'orders, status=paid', search: false, run: async (db) => await listOrders(db, { kind: 'all' }, { status: 'paid' }, 21) }
]

const SEED = [
  `INSERT INTO products (sku, name, description, price_cents, stock, created_at, updated_at)
   SELECT 'SC-' || g,
     (ARRAY['Red', 'Blue', 'Green', 'Black', 'White'])[1 + g % 5] || ' ' ||
     (ARRAY['shirt', 'mug', 'hat', 'sock', 'bag', 'lamp', 'chair', 'desk'])[1 + (g / 5) % 8] || ' ' || g,
     '', 100 + g % 10000, g % 50, now() - make_interval(secs => g), now()
   FROM generate_series(1, ${PRODUCTS}) AS g`,
  `INSERT INTO customers (first_name, last_name, email, created_at, updated_at)
   SELECT (ARRAY['Ada', 'Grace', 'Alan', 'Edsger', 'Barbara'])[1 + g % 5],
     (ARRAY['Smith', 'Jones', 'Brown', 'Taylor', 'Wilson', 'Lovelace', 'Hopper'])[1 + (g / 5) % 7] || g,
     'c' || g || '@example.com', now() - make_interval(secs => g), now()
   FROM generate_series(1, ${CUSTOMERS}) AS g`,
  `INSERT INTO orders (customer_id, status, currency, total_cents, created_at, updated_at)
   SELECT c.id, (ARRAY['pending', 'paid', 'shipped', 'delivered', 'cancelled'])[1 + g % 5], 'EUR', 1000, now() - make_interval(secs => g), now()
   FROM generate_series(1, ${ORDERS}) AS g
   JOIN (SELECT id, row_number() OVER (ORDER BY id) AS n FROM customers) AS c ON c.n = 1 + g % ${CUSTOMERS}`
]

function percentile (sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] ?? 0
}

interface Measured { name: string, median: number, p99: number, runs: number, scans: string }

async function measure (db: Db, last: { query: CompiledQuery | null }, query: Query): Promise<Measured> {
  const times: number[] = []
  const started = performance.now()
  while (times.length < RUNS && (performance.now() - started) / 1000 < MAX_SECONDS) {
    const t0 = performance.now()
    await query.run(db)
    times.push(performance.now() - t0)
  }
  const compiled = last.query
  if (compiled === null) throw new Error(`${query.name}: no query captured`)
  const plan = await db.executeQuery<{ 'QUERY PLAN': string }>(CompiledQuery.raw(`EXPLAIN ${compiled.sql}`, [...compiled.parameters]))
  const scans = plan.rows.map((row) => row['QUERY PLAN'])
    .map((line) => /(Seq Scan on \S+|Index Only Scan using \S+|Index Scan (Backward )?using \S+|Bitmap Index Scan on \S+)/.exec(line)?.[1])
    .filter((scan): scan is string => scan !== undefined)
  times.sort((a, b) => a - b)
  return { name: query.name, median: percentile(times, 0.5), p99: percentile(times, 0.99), runs: times.length, scans: [...new Set(scans)].join(', ') }
}

const row = (m: Measured): string => `| ${m.name} | ${m.median.toFixed(1)} | ${m.p99.toFixed(1)} | ${m.runs} | ${/Index|Bitmap/.test(m.scans) && !/Seq Scan/.test(m.scans) ? 'yes' : 'no'}: ${m.scans} |`
const HEADER = '| Query | median ms | p99 ms | runs | index? scans in the plan |\n|---|---:|---:|---:|---|'

async function main (): Promise<void> {
  const adminUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'
  const name = `goshop_scale_${randomBytes(3).toString('hex')}`
  const admin = async (text: string): Promise<void> => {
    const client = new pg.Client({ connectionString: adminUrl })
    await client.connect()
    try { await client.query(text) } finally { await client.end() }
  }
  await admin(`CREATE DATABASE ${name}`)
  const url = new URL(adminUrl)
  url.pathname = `/${name}`
  const pool = new pg.Pool({ connectionString: url.toString(), max: 1, types: { getTypeParser: (oid: number, format?: 'text' | 'binary') => oid === 20 || oid === 1700 ? Number : pg.types.getTypeParser(oid, format) } })
  const last: { query: CompiledQuery | null } = { query: null }
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: namingPool(pool) }), log: (event) => { last.query = event.query } })
  try {
    const step = async (label: string, work: () => Promise<unknown>): Promise<void> => {
      const t0 = performance.now()
      await work()
      console.error(`bench:scale: ${label} in ${((performance.now() - t0) / 1000).toFixed(1)} s`)
    }
    await step('migrated', async () => await migrateToLatest(db))
    // Seeded without the trigram indexes (faster), which also gives the "before" figures.
    for (const index of Object.keys(TRIGRAM_INDEXES)) await sql.raw(`DROP INDEX ${index}`).execute(db)
    await step(`seeded ${PRODUCTS} products, ${CUSTOMERS} customers, ${ORDERS} orders`, async () => {
      for (const statement of SEED) await sql.raw(statement).execute(db)
      await sql`ANALYZE`.execute(db)
    })

    const before: Measured[] = []
    for (const query of QUERIES.filter((q) => q.search)) before.push(await measure(db, last, query))
    await step('built the trigram indexes', async () => {
      for (const statement of Object.values(TRIGRAM_INDEXES)) await sql.raw(statement).execute(db)
      await sql`ANALYZE`.execute(db)
    })
    const after: Measured[] = []
    for (const query of QUERIES) after.push(await measure(db, last, query))

    const version = (await sql<{ v: string }>`SELECT current_setting('server_version') AS v`.execute(db)).rows[0]?.v ?? '?'
    console.log(`\nPostgreSQL ${version}; ${PRODUCTS} products, ${CUSTOMERS} customers, ${ORDERS} orders; up to ${RUNS} runs or ${MAX_SECONDS} s per query, one connection\n`)
    console.log('Before (no trigram indexes), search queries:\n')
    console.log([HEADER, ...before.map(row)].join('\n'))
    console.log('\nAfter (migration 0002), every list and search query:\n')
    console.log([HEADER, ...after.map(row)].join('\n'))
  } finally {
    await db.destroy()
    if (process.env.BENCH_SCALE_KEEP !== '1') await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
  }
}

main().catch((error: unknown) => {
  console.error(error)
  process.exitCode = 1
})
