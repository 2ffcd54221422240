import { suite } from '../../helpers/suite.js'
import { buildTestApp } from '../../helpers/app.js'
import { createUser } from '../../helpers/users.js'
import { waitFor } from '../../helpers/wait.js'

interface Listed { id: string, at: string, actor: { type: string, id: string }, action: string, resource: { type: string, id: string }, changes: Record<string, unknown>, request_id: string }

export default suite(import.meta, (t) => {
  t.test('GET /api/audit-events: admins only, filters validated, keyset pages with ?after=', async (t) => {
    const app = await buildTestApp(t)
    const admin = await createUser(app, 'admin')
    const staff = await createUser(app, 'staff')
    const customer = await createUser(app, 'customer')
    const list = async (query: string, headers: Record<string, string> = admin.headers) =>
      await app.inject({ method: 'GET', url: `/api/audit-events${query}`, headers })

    // Unhappy paths first.
    t.equal((await app.inject({ method: 'GET', url: '/api/audit-events' })).json().code, 'TOKEN_MISSING')
    for (const [who, user] of [['staff', staff], ['customer', customer]] as const) {
      const res = await list('', user.headers)
      t.equal(res.statusCode, 403, `${who} is refused`)
      t.equal(res.json().code, 'FORBIDDEN')
    }
    for (const query of ['?resource_type=invoice', '?resource_id=not-a-uuid', '?actor_id=1', '?limit=0', '?limit=101', '?cursor=abc', '?order=desc']) {
      const res = await list(query)
      t.equal(res.statusCode, 400, `${query} -> 400`)
      t.equal(res.json().code, 'VALIDATION_FAILED')
    }
    const forged = await list('?after=not-a-cursor')
    t.equal(forged.statusCode, 400)
    t.match(forged.json(), { code: 'INVALID_CURSOR', errors: [{ pointer: '/after', in: 'query' }] })

    const empty = await list('')
    t.equal(empty.statusCode, 200)
    t.same(empty.json(), { data: [], next_cursor: null })

    const productIds: string[] = []
    for (let i = 0; i < 5; i++) {
      const res = await app.inject({ method: 'POST', url: '/api/products', headers: staff.headers, payload: { sku: `LIST-${i}`, name: `Item ${i}`, price_cents: 100 + i, stock: 1 } })
      productIds.push(res.json().id)
    }
    const customerRes = await app.inject({ method: 'POST', url: '/api/customers', headers: admin.headers, payload: { first_name: 'Grace', last_name: 'Hopper', email: 'grace@example.com' } })
    const customerId: string = customerRes.json().id
    const first = productIds[0] ?? ''
    t.equal((await app.inject({ method: 'PATCH', url: `/api/products/${first}`, headers: admin.headers, payload: { stock: 9 } })).statusCode, 200)

    // A change is listed once no older transaction of this database is open (db/feed-position.ts).
    await waitFor('the seven changes listed', async () => ((await list('?limit=100')).json().data.length === 7 ? true : undefined))

    // Paging: every event once, in order, across pages of 2.
    const seen: Listed[] = []
    let url = '?limit=2'
    for (let page = 0; page < 10; page++) {
      const res = await list(url)
      t.equal(res.statusCode, 200)
      const body: { data: Listed[], next_cursor: string | null } = res.json()
      seen.push(...body.data)
      if (body.next_cursor === null) {
        t.equal(res.headers.link, undefined, 'no Link on the last page')
        break
      }
      t.equal(body.data.length, 2)
      const link = String(res.headers.link)
      t.match(link, /^<\/api\/audit-events\?limit=2&after=[^>]+>; rel="next"$/)
      url = `?limit=2&after=${encodeURIComponent(body.next_cursor)}`
      t.ok(link.includes(url.slice(1)), 'the Link header carries the cursor as ?after=')
    }
    t.equal(seen.length, 7, 'five creations, one customer, one update')
    t.equal(new Set(seen.map((e) => e.id)).size, 7, 'no event twice')
    t.same(seen.map((e) => e.resource.id), [...productIds, customerId, first], 'oldest first (one writer: commit order)')
    t.match(seen[0], {
      at: /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/,
      actor: { type: 'user', id: staff.id },
      action: 'product.created',
      resource: { type: 'product', id: first },
      changes: { sku: [null, 'LIST-0'], price_cents: [null, 100] },
      request_id: String
    })
    t.same(seen.at(-1)?.changes, { stock: [1, 9] })

    // Filters, alone and combined.
    const ids = async (query: string) => ((await list(query)).json().data as Listed[]).map((e) => e.id)
    const byId = (predicate: (e: Listed) => boolean) => seen.filter(predicate).map((e) => e.id)
    t.same(await ids(`?resource_id=${first}`), byId((e) => e.resource.id === first), 'by resource')
    t.same(await ids('?resource_type=customer'), byId((e) => e.resource.type === 'customer'), 'by resource type')
    t.same(await ids(`?actor_id=${admin.id}`), byId((e) => e.actor.id === admin.id), 'by actor')
    t.equal((await ids(`?actor_id=${admin.id}`)).length, 2)
    t.same(await ids(`?resource_type=product&actor_id=${admin.id}`), byId((e) => e.actor.id === admin.id && e.resource.type === 'product'), 'combined')
    t.same(await ids(`?resource_type=order&resource_id=${first}`), [], 'filters combine with AND')
    t.same(await ids(`?actor_id=${customer.id}`), [])

    // A cursor of another list is refused, not misread.
    const products = await app.inject({ method: 'GET', url: '/api/products?limit=1', headers: admin.headers })
    const wrong = await list(`?after=${encodeURIComponent(String(products.json().next_cursor))}`)
    t.equal(wrong.statusCode, 400)
    t.equal(wrong.json().code, 'INVALID_CURSOR')
  })
})
