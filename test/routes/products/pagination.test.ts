import { suite } from '../../helpers/suite.js'
import type { FastifyInstance } from 'fastify'
import { buildTestApp } from '../../helpers/app.js'
import { createUser, type TestUser } from '../../helpers/users.js'
import { seedProducts } from './fixtures/products.js'
import { MAX_CURSOR_LENGTH } from '../../../schemas/bounds.js'

interface Listed { id: string, name: string, price_cents: number, created_at: string }

/** Follows next_cursor (checking the Link header agrees) until the last page. */
async function walk (app: FastifyInstance, user: TestUser, query: string, between?: (page: number) => Promise<void>): Promise<{ ids: string[], pages: number[] }> {
  const ids: string[] = []
  const pages: number[] = []
  let url: string | null = `/api/products?${query}`
  while (url !== null) {
    const res = await app.inject({ method: 'GET', url, headers: user.headers })
    if (res.statusCode !== 200) throw new Error(`${url}: ${res.statusCode} ${res.body}`)
    const body: { data: Listed[], next_cursor: string | null } = res.json()
    ids.push(...body.data.map((p) => p.id))
    pages.push(body.data.length)
    const link = res.headers.link
    if (body.next_cursor === null) {
      if (link !== undefined) throw new Error('Link header on the last page')
      url = null
    } else {
      const match = /^<([^>]+)>; rel="next"$/.exec(String(link))
      if (match?.[1] === undefined) throw new Error(`bad Link header: ${String(link)}`)
      const next = new URL(match[1], 'http://x')
      if (next.searchParams.get('cursor') !== body.next_cursor) throw new Error('Link cursor differs from next_cursor')
      url = match[1]
    }
    if (between !== undefined) await between(pages.length)
  }
  return { ids, pages }
}

/**
 * 250 products whose created_at share milliseconds (differing only in microseconds)
 * and sometimes are identical, whose prices and names repeat: every sort key has ties
 * that only the id can break, at page edges too.
 */
function catalog (): Array<{ name: string, price_cents: number, micros: number, created_at: string }> {
  return Array.from({ length: 250 }, (_, i) => {
    const micros = Math.floor(i / 7) * 1000 + Math.min(i % 7, 3)
    return {
      name: `item${String(i % 37).padStart(3, '0')}`,
      price_cents: (i * 7919) % 23 * 100,
      micros,
      created_at: `2026-01-01T00:00:00.${String(micros).padStart(6, '0')}Z`
    }
  })
}

async function seedCatalog (app: FastifyInstance): Promise<Array<{ id: string, name: string, price_cents: number, micros: number }>> {
  const rows = catalog()
  const inserted = await seedProducts(app, rows.map(({ name, price_cents: price, created_at: createdAt }) => ({ name, price_cents: price, created_at: createdAt })))
  return rows.map((row, i) => ({ ...row, id: inserted[i]?.id ?? '' }))
}

const byThenId = <T extends { id: string }>(key: (row: T) => number | string, descending = false) => (a: T, b: T): number => {
  const ka = key(a)
  const kb = key(b)
  const order = ka < kb ? -1 : ka > kb ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0
  return descending ? -order : order
}

export default suite(import.meta, (t) => {
  t.test('250 products in pages of 100: no duplicate, no gap, stable order, Link header', async (t) => {
    const app = await buildTestApp(t)
    const customer = await createUser(app, 'customer')
    const products = await seedCatalog(app)
    const { ids, pages } = await walk(app, customer, 'limit=100')
    t.same(pages, [100, 100, 50])
    t.equal(new Set(ids).size, 250, 'no duplicates')
    t.same(ids, [...products].sort(byThenId((p) => p.micros)).map((p) => p.id), 'ordered by (created_at with microseconds, id)')

    const first = await app.inject({ method: 'GET', url: '/api/products', headers: customer.headers })
    t.equal(first.json().data.length, 20, 'default limit is 20')
  })

  t.test('every sort order paginates completely and in order', async (t) => {
    const app = await buildTestApp(t)
    const customer = await createUser(app, 'customer')
    const products = await seedCatalog(app)
    const expected: Record<string, typeof products> = {
      created_at: [...products].sort(byThenId((p) => p.micros)),
      '-created_at': [...products].sort(byThenId((p) => p.micros, true)),
      price_cents: [...products].sort(byThenId((p) => p.price_cents)),
      '-price_cents': [...products].sort(byThenId((p) => p.price_cents, true)),
      name: [...products].sort(byThenId((p) => p.name))
    }
    for (const [sort, rows] of Object.entries(expected)) {
      const { ids, pages } = await walk(app, customer, `limit=30&sort=${encodeURIComponent(sort)}`)
      t.same(pages, [30, 30, 30, 30, 30, 30, 30, 30, 10], `${sort}: page sizes`)
      t.same(ids, rows.map((p) => p.id), `${sort}: order and completeness`)
    }
  })

  t.test('pagination stays stable while products are inserted during the walk', async (t) => {
    const app = await buildTestApp(t)
    const staff = await createUser(app, 'staff')
    const products = await seedCatalog(app)
    const original = new Set(products.map((p) => p.id))
    let added = 0
    for (const sort of ['created_at', '-created_at', 'price_cents', 'name']) {
      const { ids } = await walk(app, staff, `limit=100&sort=${sort}`, async () => {
      // New rows land before, inside and after the walked range depending on the sort.
        for (const [price, name] of [[0, 'item000'], [1100, 'item018'], [2200, 'zzz']] as const) {
          const res = await app.inject({ method: 'POST', url: '/api/products', headers: staff.headers, payload: { sku: `NEW-${added++}`, name, price_cents: price, stock: 1 } })
          if (res.statusCode !== 201) throw new Error(res.body)
        }
      })
      const seen = ids.filter((id) => original.has(id))
      t.equal(new Set(ids).size, ids.length, `${sort}: no duplicates`)
      t.equal(seen.length, 250, `${sort}: every original row exactly once`)
      t.same(new Set(seen), original)
    }
  })

  t.test('cursors: bound to their sort, tamper-proof (400 INVALID_CURSOR), bad limits 400', async (t) => {
    const app = await buildTestApp(t)
    const customer = await createUser(app, 'customer')
    await seedCatalog(app)
    const get = async (query: string) => await app.inject({ method: 'GET', url: `/api/products?${query}`, headers: customer.headers })

    const byPrice = (await get('limit=10&sort=price_cents')).json().next_cursor
    t.type(byPrice, 'string')
    for (const sort of ['created_at', '-created_at', '-price_cents', 'name']) {
      const res = await get(`limit=10&sort=${sort}&cursor=${byPrice}`)
      t.equal(res.statusCode, 400, `price cursor with sort=${sort}`)
      t.equal(res.json().code, 'INVALID_CURSOR')
      t.equal(res.json().errors[0].pointer, '/cursor')
    }
    t.equal((await get(`limit=10&sort=price_cents&cursor=${byPrice}`)).statusCode, 200)
    const byDefault = (await get('limit=10')).json().next_cursor
    t.equal((await get(`limit=10&sort=created_at&cursor=${byDefault}`)).statusCode, 200, 'default sort is created_at')
    t.equal((await get(`limit=10&sort=-created_at&cursor=${byDefault}`)).statusCode, 400)

    const forge = (v: unknown, id: unknown = '3f1c9b2e-6a4d-4e8b-9c1a-2b7d5e8f0a13'): string => Buffer.from(JSON.stringify({ v, id })).toString('base64url')
    for (const [label, cursor, sort] of [
      ['garbage', 'not-a-cursor', 'created_at'],
      ['no sort tag', forge('2026-01-01T00:00:00Z'), 'created_at'],
      ['number value', forge(5), 'price_cents'],
      ['bad timestamp', forge('created_at|yesterday'), 'created_at'],
      ['a day that does not exist', forge('created_at|2026-02-30T00:00:00Z'), 'created_at'],
      ['a leap second', forge('created_at|2026-06-30T23:59:60Z'), 'created_at'],
      ['year 0, which Postgres does not read', forge('created_at|0000-01-01T00:00:00Z'), 'created_at'],
      ['a NUL in a text key', forge('name|\u0000'), 'name'],
      ['bad integer', forge('price_cents|12abc'), 'price_cents'],
      ['unsafe integer', forge('price_cents|99999999999999999'), 'price_cents'],
      ['bad id', forge('name|x', 'nope'), 'name'],
      ['sql in value', forge("name|' OR 1=1 --"), 'created_at']
    ] as const) {
      const res = await get(`sort=${sort}&cursor=${encodeURIComponent(cursor)}`)
      t.equal(res.statusCode, 400, label)
      t.equal(res.json().code, 'INVALID_CURSOR', label)
    }
    const tricky = await get(`sort=name&cursor=${forge("name|' OR 1=1 --")}`)
    t.equal(tricky.statusCode, 200, 'a text key is only ever a bound value')

    for (const query of ['limit=0', 'limit=101', 'limit=abc', 'limit=1.5', 'limit=0x10', 'limit=1e1', 'limit=%201', 'min_price_cents=1.5', 'sort=price', 'sort=-name', 'unknown=1', `cursor=${'a'.repeat(MAX_CURSOR_LENGTH + 1)}`, 'q=%00', 'q=a%00b']) {
      const res = await get(query)
      t.equal(res.statusCode, 400, query)
      t.equal(res.json().code, 'VALIDATION_FAILED', query)
    }
    const truncated = await get('limit=1.5')
    t.same(truncated.json().errors, [{ pointer: '/limit', in: 'query', detail: 'must be integer' }], 'not cut to 1: named as not an integer')
    const coerced = await get('limit=2&min_price_cents=0')
    t.equal(coerced.statusCode, 200, 'plain decimals still coerce')
    t.equal(coerced.json().data.length, 2)
  })
})
