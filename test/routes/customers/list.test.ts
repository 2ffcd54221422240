import { suite } from '../../helpers/suite.js'
import type { FastifyInstance } from 'fastify'
import { buildTestApp } from '../../helpers/app.js'
import { createUser, type TestUser } from '../../helpers/users.js'
import { seedCustomers } from './fixtures/customers.js'

async function walk (app: FastifyInstance, user: TestUser, query: string): Promise<{ ids: string[], pages: number[] }> {
  const ids: string[] = []
  const pages: number[] = []
  let url: string | null = `/api/customers?${query}`
  while (url !== null) {
    const res: Awaited<ReturnType<typeof app.inject>> = await app.inject({ method: 'GET', url, headers: user.headers })
    if (res.statusCode !== 200) throw new Error(`${url}: ${res.statusCode} ${res.body}`)
    const body: { data: Array<{ id: string }>, next_cursor: string | null } = res.json()
    ids.push(...body.data.map((c) => c.id))
    pages.push(body.data.length)
    const link: string | undefined = /^<([^>]+)>; rel="next"$/.exec(String(res.headers.link))?.[1]
    if ((body.next_cursor === null) !== (link === undefined)) throw new Error('Link header and next_cursor disagree')
    url = link ?? null
  }
  return { ids, pages }
}

export default suite(import.meta, (t) => {
  t.test('120 customers in pages of 50: by (created_at, id), no duplicate, no gap', async (t) => {
    const app = await buildTestApp(t)
    const staff = await createUser(app, 'staff')
    // Timestamps sharing a millisecond and differing only in microseconds, some identical.
    const specs = Array.from({ length: 120 }, (_, i) => {
      const micros = Math.floor(i / 7) * 1000 + Math.min(i % 7, 3)
      return { micros, created_at: `2026-01-01T00:00:00.${String(micros).padStart(6, '0')}Z` }
    })
    const rows = await seedCustomers(app, specs.map((s) => ({ created_at: s.created_at })))
    const expected = specs.map((s, i) => ({ ...s, id: rows[i]?.id ?? '' }))
      .sort((a, b) => a.micros - b.micros || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
      .map((c) => c.id)
    const { ids, pages } = await walk(app, staff, 'limit=50')
    t.same(pages, [50, 50, 20])
    t.same(ids, expected)

    const forged = Buffer.from(JSON.stringify({ v: 'price_cents|5', id: rows[0]?.id })).toString('base64url')
    const foreign = await app.inject({ method: 'GET', url: `/api/customers?cursor=${forged}`, headers: staff.headers })
    t.equal(foreign.statusCode, 400)
    t.equal(foreign.json().code, 'INVALID_CURSOR')
    for (const query of ['limit=0', 'limit=101', 'cursor=zzz', 'sort=name', 'q=']) {
      const res = await app.inject({ method: 'GET', url: `/api/customers?${query}`, headers: staff.headers })
      t.equal(res.statusCode, 400, query)
    }
    for (const query of ['q=%00', 'q=a%00b']) {
      const res = await app.inject({ method: 'GET', url: `/api/customers?${query}`, headers: staff.headers })
      t.equal(res.statusCode, 400, query)
      t.equal(res.json().code, 'VALIDATION_FAILED', `${query}: a declared validation error, not the database's refusal`)
      t.equal(res.json().errors[0].pointer, '/q')
    }
  })

  t.test('q filters on first name, last name, full name and email; % and _ are literal', async (t) => {
    const app = await buildTestApp(t)
    const staff = await createUser(app, 'staff')
    // A fixed address: a random one (a UUID's hex) could contain a searched string such as 'ada'.
    const customer = await createUser(app, 'customer', 'own-profile@example.com')
    await seedCustomers(app, [
      { first_name: 'Ada', last_name: 'Lovelace', email: 'ada@example.com' },
      { first_name: 'Grace', last_name: 'Hopper', email: 'grace@navy.example' },
      { first_name: 'Alan', last_name: 'Turing', email: 'alan_t@example.com' },
      { first_name: 'Per', last_name: 'Cent', email: 'p100%@example.com' }
    ])
    const names = async (user: TestUser, q: string): Promise<string[]> => {
      const res = await app.inject({ method: 'GET', url: `/api/customers?q=${encodeURIComponent(q)}`, headers: user.headers })
      return res.json().data.map((c: { last_name: string }) => c.last_name).sort()
    }
    t.same(await names(staff, 'ADA'), ['Lovelace'])
    t.same(await names(staff, 'hopper'), ['Hopper'])
    t.same(await names(staff, 'grace hop'), ['Hopper'], 'first and last name together')
    t.same(await names(staff, 'navy'), ['Hopper'], 'email')
    t.same(await names(staff, 'example.com'), ['Cent', 'Customer', 'Lovelace', 'Turing'])
    t.same(await names(staff, '_'), ['Turing'])
    t.same(await names(staff, '%'), ['Cent'])
    t.same(await names(staff, 'al'), ['Turing'])
    t.same(await names(staff, 'test'), ['Customer'], 'profiles with a user account are searched too')
    t.same(await names(customer, 'Lovelace'), [], 'a customer only ever searches its own profile')
    t.same(await names(customer, 'Test'), ['Customer'])
  })
})
