import { randomUUID } from 'node:crypto'
import fc from 'fast-check'
import { suite } from '../helpers/suite.js'
import { buildTestApp } from '../helpers/app.js'
import { rowCounts } from '../helpers/row-counts.js'
import { createUser } from '../helpers/users.js'

const INJECTIONS = [
  "'; DROP TABLE products; --",
  "Robert'); DROP TABLE users;--",
  "' OR '1'='1",
  '" OR ""="',
  "1' UNION SELECT id, email, password_hash FROM users --",
  "'; UPDATE users SET role = 'admin'; --",
  '$1',
  '$$; select pg_sleep(10); $$',
  "E'\\x27'",
  '\\',
  '%',
  '_',
  '%_%\\%',
  "'); COPY users TO '/tmp/x'; --",
  '/* comment */ -- ;',
  "admin'--",
  '1; SELECT * FROM pg_catalog.pg_tables'
]

/** Injection fragments with random (valid, NUL-free) text around them. */
const hostileText = fc.oneof(
  fc.constantFrom(...INJECTIONS),
  fc.tuple(fc.string({ unit: 'grapheme', maxLength: 15 }), fc.constantFrom(...INJECTIONS), fc.string({ unit: 'grapheme', maxLength: 15 }))
    .map(([before, injection, after]) => `${before}${injection}${after}`)
).filter((text) => /\S/.test(text) && !text.includes('\u0000') && [...text].length <= 100)

export default suite(import.meta, (t) => {
  t.test('SQL injection strings in valid fields are stored and returned verbatim', async (t) => {
    const app = await buildTestApp(t)
    const staff = await createUser(app, 'staff')
    const before = await rowCounts(app.db)
    let products = 0
    let customers = 0

    await fc.assert(fc.asyncProperty(hostileText, hostileText, async (name, description) => {
      const sku = `SQLI-${randomUUID()}`
      const created = await app.inject({ method: 'POST', url: '/api/products', headers: staff.headers, payload: { sku, name, description, price_cents: 100, stock: 1 } })
      if (created.statusCode !== 201) throw new Error(`create answered ${created.statusCode}: ${created.body}`)
      products++
      const body = created.json()
      if (body.name !== name || body.description !== description) throw new Error('the create response altered the text')

      const read = await app.inject({ method: 'GET', url: `/api/products/${body.id}`, headers: staff.headers })
      if (read.statusCode !== 200 || read.json().name !== name || read.json().description !== description) {
        throw new Error(`read back differs: ${read.statusCode} ${read.body}`)
      }

      const search = await app.inject({ method: 'GET', url: `/api/products?limit=100&q=${encodeURIComponent(name)}`, headers: staff.headers })
      if (search.statusCode !== 200 && search.statusCode !== 400) throw new Error(`search answered ${search.statusCode}`)
      if (search.statusCode === 200 && !search.json().data.some((p: { id: string }) => p.id === body.id)) {
        throw new Error(`searching for its own name did not find the product: ${JSON.stringify(name)}`)
      }

      const email = `sqli-${randomUUID()}@example.com`
      const customer = await app.inject({ method: 'POST', url: '/api/customers', headers: staff.headers, payload: { first_name: name, last_name: description.slice(0, 100).trim() === '' ? 'x' : description.slice(0, 100), email } })
      if (customer.statusCode !== 201) throw new Error(`customer create answered ${customer.statusCode}: ${customer.body}`)
      customers++
      if (customer.json().first_name !== name) throw new Error('customer name altered')
    }), { numRuns: 30 })

    const after = await rowCounts(app.db)
    t.equal(after.products, before.products + products, `${products} products stored, no more, no less`)
    t.equal(after.customers, before.customers + customers, `${customers} customers stored`)
    t.equal(after.users, before.users, 'users untouched (no injected UPDATE/DELETE/INSERT ran)')
    const roles = await app.db.selectFrom('users').select('role').where('id', '=', staff.id).executeTakeFirstOrThrow()
    t.equal(roles.role, 'staff', 'no privilege escalation via injected UPDATE')
    t.pass('every injection string round-tripped verbatim through create, read and search')
  })

  t.test('injection strings in query parameters and path ids are harmless', async (t) => {
    const app = await buildTestApp(t)
    const staff = await createUser(app, 'staff')
    const before = await rowCounts(app.db)
    for (const injection of INJECTIONS) {
      for (const url of [
      `/api/products?q=${encodeURIComponent(injection)}`,
      `/api/products?sort=${encodeURIComponent(injection)}`,
      `/api/products?cursor=${encodeURIComponent(injection)}`,
      `/api/customers?q=${encodeURIComponent(injection)}`,
      `/api/orders?status=${encodeURIComponent(injection)}`,
      `/api/products/${encodeURIComponent(injection)}`
      ]) {
        const res = await app.inject({ method: 'GET', url, headers: staff.headers })
        t.ok(res.statusCode === 200 || res.statusCode === 400, `${url.slice(0, 60)} -> ${res.statusCode}`)
      }
    }
    t.same(await rowCounts(app.db), before, 'nothing changed')
  })
})
