import { suite } from '../../helpers/suite.js'
import type { FastifyInstance } from 'fastify'
import { buildTestApp } from '../../helpers/app.js'
import { createUser, type TestUser } from '../../helpers/users.js'
import { seedProducts } from './fixtures/products.js'

async function list (app: FastifyInstance, user: TestUser, query: string): Promise<{ skus: string[], ids: string[], next: string | null }> {
  const res = await app.inject({ method: 'GET', url: `/api/products?${query}`, headers: user.headers })
  if (res.statusCode !== 200) throw new Error(`${query}: ${res.statusCode} ${res.body}`)
  const body = res.json()
  return { skus: body.data.map((p: { sku: string }) => p.sku), ids: body.data.map((p: { id: string }) => p.id), next: body.next_cursor ?? null }
}

export default suite(import.meta, (t) => {
  t.test('sort=relevance without q is a 400 VALIDATION_FAILED pointing at sort', async (t) => {
    const app = await buildTestApp(t)
    const user = await createUser(app, 'customer')
    const res = await app.inject({ method: 'GET', url: '/api/products?sort=relevance', headers: user.headers })
    t.equal(res.statusCode, 400)
    t.match(res.headers['content-type'], /application\/problem\+json/)
    t.equal(res.json().code, 'VALIDATION_FAILED')
    t.same(res.json().errors, [{ pointer: '/sort', in: 'query', detail: 'relevance needs a search term (q)' }])
    const other = await app.inject({ method: 'GET', url: '/api/products?sort=best', headers: user.headers })
    t.equal(other.statusCode, 400, 'unknown sorts are still refused')
  })

  t.test('sort=relevance lists the closest trigram match first, only products matching q', async (t) => {
    const app = await buildTestApp(t)
    const user = await createUser(app, 'customer')
    await seedProducts(app, [
    // SKUs without the term, so the name decides (a sku match would score these equally).
      { sku: 'P-9', name: 'Lamp shade for a large floor lamp in the living room' },
      { sku: 'P-1', name: 'Lamp' },
      { sku: 'MUG-1', name: 'Coffee mug' },
      { sku: 'P-5', name: 'Desk lamp' }
    ])
    const ranked = await list(app, user, 'q=lamp&sort=relevance')
    t.same(ranked.skus, ['P-1', 'P-5', 'P-9'], 'exact name first, the long name last, the mug not at all')
    const bySku = await list(app, user, 'q=p-5&sort=relevance')
    t.same(bySku.skus, ['P-5'], 'the sku is searched too')
    const plain = await list(app, user, 'q=lamp&sort=name')
    t.same([...plain.skus].sort(), [...ranked.skus].sort(), 'the same products as any other sort')
  })

  t.test('sort=relevance pages by a (score, id) keyset: no duplicates, no misses, ties by id; a cursor is bound to its sort', async (t) => {
    const app = await buildTestApp(t)
    const user = await createUser(app, 'customer')
    // Several equal scores (same name), so ties span page edges.
    const seeded = await seedProducts(app, [
      ...Array.from({ length: 7 }, (_, i) => ({ sku: `TIE-${i}`, name: 'Garden chair' })),
      ...Array.from({ length: 6 }, (_, i) => ({ sku: `CHAIR-${i}`, name: `Chair ${'x'.repeat(i * 3)}` })),
      { sku: 'TABLE-1', name: 'Table' }
    ])
    const full = await list(app, user, 'q=chair&sort=relevance&limit=100')
    t.equal(full.ids.length, 13)
    const seen: string[] = []
    let cursor: string | null = null
    let pages = 0
    do {
      const page = await list(app, user, `q=chair&sort=relevance&limit=3${cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`}`)
      seen.push(...page.ids)
      cursor = page.next
      pages++
    } while (cursor !== null && pages < 20)
    t.equal(pages, 5)
    t.same(seen, full.ids, 'the pages concatenate to the single-page order')
    t.equal(new Set(seen).size, seen.length, 'no duplicates')
    const ties = full.ids.filter((id) => seeded.some((p) => p.id === id && p.sku.startsWith('TIE-')))
    t.same(ties, [...ties].sort().reverse(), 'equal scores in descending id order')

    const first = await list(app, user, 'q=chair&sort=relevance&limit=3')
    const wrong = await app.inject({ method: 'GET', url: `/api/products?q=chair&sort=name&cursor=${encodeURIComponent(first.next ?? '')}`, headers: user.headers })
    t.equal(wrong.statusCode, 400)
    t.equal(wrong.json().code, 'INVALID_CURSOR')
  })
})
