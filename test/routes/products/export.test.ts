import { gunzipSync } from 'node:zlib'
import { sql } from 'kysely'
import { suite } from '../../helpers/suite.js'
import { buildTestApp } from '../../helpers/app.js'
import { createUser } from '../../helpers/users.js'
import { usingRealPostgres } from '../../helpers/database.js'
import { abandonExport, ndjsonLines, waitForReleasedConnections } from '../../helpers/ndjson.js'
import { createProduct, seedProducts } from './fixtures/products.js'

export default suite(import.meta, (t) => {
  t.test('a customer gets 403 before its filters are even looked at; no token 401', async (t) => {
    const app = await buildTestApp(t)
    const customer = await createUser(app, 'customer')
    const forbidden = await app.inject({ method: 'GET', url: '/api/products/export?min_price_cents=-5&nope=1', headers: customer.headers })
    t.equal(forbidden.statusCode, 403)
    t.match(forbidden.headers['content-type'], /application\/problem\+json/)
    const anonymous = await app.inject({ method: 'GET', url: '/api/products/export' })
    t.equal(anonymous.statusCode, 401)
    t.equal(anonymous.json().code, 'TOKEN_MISSING')
  })

  t.test('a bad filter is a 400 problem, not a stream', async (t) => {
    const app = await buildTestApp(t)
    const staff = await createUser(app, 'staff')
    await seedProducts(app, [{ name: 'one' }])
    for (const query of ['min_price_cents=500&max_price_cents=100', 'sort=relevance', 'in_stock=maybe', 'limit=10', 'cursor=abc', 'sort=stock']) {
      const res = await app.inject({ method: 'GET', url: `/api/products/export?${query}`, headers: staff.headers })
      t.equal(res.statusCode, 400, query)
      t.match(res.headers['content-type'], /application\/problem\+json/, query)
      t.equal(res.json().code, 'VALIDATION_FAILED', query)
    }
    for (const accept of ['text/html', 'application/json', 'application/problem+json', 'application/x-ndjson;q=0, application/json']) {
      const refused = await app.inject({ method: 'GET', url: '/api/products/export', headers: { ...staff.headers, accept } })
      t.equal(refused.statusCode, 406, `Accept: ${accept} allows no NDJSON`)
      t.equal(refused.json().code, 'NOT_ACCEPTABLE')
      t.match(refused.json().detail, /answers with application\/x-ndjson/)
    }
    for (const accept of ['application/x-ndjson', 'application/*', '*/*', 'application/json, application/x-ndjson;q=0.5']) {
      const served = await app.inject({ method: 'GET', url: '/api/products/export', headers: { ...staff.headers, accept } })
      t.equal(served.statusCode, 200, `Accept: ${accept} allows NDJSON`)
      t.match(served.headers['content-type'], /^application\/x-ndjson/)
    }
  })

  t.test('HEAD answers an export as GET would, without reading it all; refused as GET is', async (t) => {
    const app = await buildTestApp(t)
    const staff = await createUser(app, 'staff')
    const customer = await createUser(app, 'customer')
    await seedProducts(app, [{ name: 'one' }, { name: 'two' }])
    const head = await app.inject({ method: 'HEAD', url: '/api/products/export', headers: staff.headers })
    t.equal(head.statusCode, 200)
    t.match(head.headers['content-type'], /^application\/x-ndjson/)
    t.equal(head.body, '')
    t.equal((await app.inject({ method: 'HEAD', url: '/api/products/export', headers: customer.headers })).statusCode, 403)
    t.equal((await app.inject({ method: 'HEAD', url: '/api/products/export?sort=stock', headers: staff.headers })).statusCode, 400)
    if (usingRealPostgres()) await waitForReleasedConnections(app)
  })

  t.test('an empty catalog exports an empty NDJSON body', async (t) => {
    const app = await buildTestApp(t)
    const staff = await createUser(app, 'staff')
    const res = await app.inject({ method: 'GET', url: '/api/products/export', headers: { ...staff.headers, accept: 'application/x-ndjson' } })
    t.equal(res.statusCode, 200)
    t.match(res.headers['content-type'], /^application\/x-ndjson/)
    t.equal(res.body, '')
  })

  t.test('each line is exactly the product as GET shows it, in list order; archived products are left out', async (t) => {
    const app = await buildTestApp(t)
    const staff = await createUser(app, 'staff')
    const created = []
    for (const [i, name] of ['Émile "quoted" \\ mug', 'Plain tee', 'Zürich 🧦 socks'].entries()) {
      created.push(await createProduct(app, staff, { name, price_cents: 1000 + i, description: `line one\nline two ${i}` }))
    }
    await app.db.updateTable('products').set({ archived_at: sql<Date>`now()` }).where('id', '=', created[1]?.id ?? '').execute()

    const res = await app.inject({ method: 'GET', url: '/api/products/export', headers: staff.headers })
    t.equal(res.statusCode, 200)
    const lines = ndjsonLines(res.body)
    t.equal(lines.length, 2)
    const list = await app.inject({ method: 'GET', url: '/api/products?limit=100', headers: staff.headers })
    t.same(lines.map((line) => JSON.parse(line)), list.json().data)
    for (const line of lines) {
      const { id } = JSON.parse(line) as { id: string }
      const one = await app.inject({ method: 'GET', url: `/api/products/${id}`, headers: staff.headers })
      t.equal(line, one.body, 'byte for byte the GET body')
    }
  })

  t.test('the list filters and sort apply; more rows than one read chunk come out once each', async (t) => {
    const app = await buildTestApp(t)
    const staff = await createUser(app, 'staff')
    await seedProducts(app, Array.from({ length: 2300 }, (_, i) => ({
      name: i % 3 === 0 ? `blue thing ${i}` : `red thing ${i}`,
      price_cents: (i * 37) % 5000,
      stock: i % 4,
      created_at: `2026-01-01T00:00:${String(i % 60).padStart(2, '0')}.${String(i % 7).padStart(6, '0')}Z`
    })))
    const exported = async (query: string): Promise<Array<{ id: string, name: string, price_cents: number, stock: number }>> => {
      const res = await app.inject({ method: 'GET', url: `/api/products/export?${query}`, headers: staff.headers })
      if (res.statusCode !== 200) throw new Error(`${query}: ${res.statusCode} ${res.body}`)
      return ndjsonLines(res.body).map((line) => JSON.parse(line))
    }
    const listed = async (query: string): Promise<string[]> => {
      const ids: string[] = []
      let cursor: string | null = null
      do {
        const res = await app.inject({ method: 'GET', url: `/api/products?${query}&limit=100${cursor === null ? '' : `&cursor=${cursor}`}`, headers: staff.headers })
        const body: { data: Array<{ id: string }>, next_cursor: string | null } = res.json()
        ids.push(...body.data.map((row) => row.id))
        cursor = body.next_cursor
      } while (cursor !== null)
      return ids
    }

    const all = await exported('')
    t.equal(all.length, 2300)
    t.equal(new Set(all.map((row) => row.id)).size, 2300, 'no product twice')
    for (const query of ['sort=-price_cents', 'sort=name&in_stock=true', 'q=blue&sort=relevance', 'min_price_cents=1000&max_price_cents=2000&sort=-created_at']) {
      const rows = await exported(query)
      t.same(rows.map((row) => row.id), await listed(query), `${query}: the list's rows in the list's order`)
    }
    const filtered = await exported('q=blue&in_stock=false&max_price_cents=3000')
    t.ok(filtered.length > 0)
    t.ok(filtered.every((row) => row.name.includes('blue') && row.stock === 0 && row.price_cents <= 3000))
  })

  t.test('gzip when the client asks: the same lines', async (t) => {
    const app = await buildTestApp(t)
    const staff = await createUser(app, 'staff')
    await seedProducts(app, Array.from({ length: 300 }, (_, i) => ({ name: `product ${i}` })))
    const plain = await app.inject({ method: 'GET', url: '/api/products/export', headers: staff.headers })
    const gzipped = await app.inject({ method: 'GET', url: '/api/products/export', headers: { ...staff.headers, 'accept-encoding': 'gzip' } })
    t.equal(gzipped.statusCode, 200)
    t.equal(gzipped.headers['content-encoding'], 'gzip')
    t.match(String(gzipped.headers.vary), /accept-encoding/i)
    const body = gunzipSync(gzipped.rawPayload).toString()
    t.equal(body, plain.body)
    t.equal(ndjsonLines(body).length, 300)
  })

  t.test('a client that disconnects mid-export releases the cursor and the connection at once', async (t) => {
    const app = await buildTestApp(t)
    const staff = await createUser(app, 'staff')
    // ~30 MB of NDJSON: far more than the socket buffers, so the export is mid-way when the client leaves.
    await sql`insert into products (sku, name, description, price_cents, stock)
      select 'BULK-' || n, 'bulk product ' || n, repeat('x', 1000), n % 10000, n % 7 from generate_series(1, 30000) as n`.execute(app.db)
    for (const encoding of ['identity', 'gzip']) {
      const { status, received } = await abandonExport(app, '/api/products/export', { authorization: staff.headers.authorization, 'accept-encoding': encoding })
      t.equal(status, 200, encoding)
      t.ok(received > 0, encoding)
      // Postgres: the pool and pg_stat_activity show it; PGlite has one connection, and the export below proves it free.
      if (usingRealPostgres()) {
        await waitForReleasedConnections(app)
        t.pass(`${encoding}: no client checked out, no session in a transaction`)
      }
    }
    const after = await app.inject({ method: 'GET', url: '/api/products/export?min_price_cents=9990', headers: staff.headers })
    t.equal(ndjsonLines(after.body).length, 30, 'the app still exports afterwards')
  })
})
