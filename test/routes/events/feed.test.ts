import { setTimeout as sleep } from 'node:timers/promises'
import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import { sql } from 'kysely'
import { waitFor } from '../../helpers/wait.js'
import { suite } from '../../helpers/suite.js'
import { createUser, type TestUser } from '../../helpers/users.js'
import { buildOrdersApp, insertProduct, postOrder, transition } from '../orders/fixtures/orders.js'
import { encodeFeedCursor } from '../../../lib/http/feed-cursor.js'
import { EVENT_SCHEMAS_BY_ID, readFeed, waitForFeed, type FeedEvent, type FeedPage } from './fixtures.js'
import { Value } from 'typebox/value'
import '../../../lib/formats.js'
import { WebhookEvent } from '../../../schemas/webhooks.js'

/** The data of the product.out_of_stock event of a page. */
function stock0 (events: FeedEvent[]): unknown {
  return events.find((e) => e.type === 'product.out_of_stock')?.data
}

async function orderFor (app: FastifyInstance, customer: TestUser, productId: string, quantity = 1): Promise<string> {
  const res = await postOrder(app, customer, { items: [{ product_id: productId, quantity }] })
  if (res.statusCode !== 201) throw new Error(`order failed: ${res.statusCode} ${res.body}`)
  return res.json().id
}

export default suite(import.meta, (t) => {
  t.test('refuses bad input with a problem and a 4xx', async (t) => {
    const app = await buildOrdersApp(t)
    const staff = await createUser(app, 'staff')
    const customer = await createUser(app, 'customer')
    const get = async (query: string, user: TestUser | null = staff) =>
      await app.inject({ method: 'GET', url: `/api/events${query}`, headers: user === null ? {} : user.headers })

    t.equal((await get('', null)).statusCode, 401, 'no token')
    const forbidden = await get('', customer)
    t.equal(forbidden.statusCode, 403, 'customers may not read the feed')
    t.equal(forbidden.headers['content-type'], 'application/problem+json; charset=utf-8')

    const unknownType = await get('?types=order.created,order.deleted')
    t.equal(unknownType.statusCode, 400, 'unknown event type')
    t.match(unknownType.json(), { code: 'VALIDATION_FAILED', errors: [{ pointer: '/types', in: 'query' }] })
    t.match(unknownType.json().detail, /types\/1 must be one of order\.created, order\.status_changed, product\.out_of_stock$/, 'names the place of the unknown type and the known ones')
    t.equal((await get('?types=')).statusCode, 400, 'empty type filter')

    for (const after of ['garbage', Buffer.from('{"x":"1","s":"x","t":"2026-01-01T00:00:00Z"}').toString('base64url'), Buffer.from('[]').toString('base64url')]) {
      const res = await get(`?after=${after}`)
      t.equal(res.statusCode, 400, `cursor ${after}`)
      t.match(res.json(), { code: 'INVALID_CURSOR', errors: [{ pointer: '/after' }] })
    }
    for (const query of ['?limit=0', '?limit=1001', '?wait=0', '?wait=31', '?wait=abc', '?other=1']) {
      t.equal((await get(query)).statusCode, 400, query)
    }

    const old = encodeFeedCursor({ xid: '1', seq: '1', createdAt: new Date(Date.now() - 31 * 24 * 3600 * 1000) })
    const expired = await get(`?after=${old}`)
    t.equal(expired.statusCode, 410, 'a cursor older than the retention')
    t.match(expired.json(), { code: 'CURSOR_EXPIRED', status: 410, type: '/problems/cursor-expired' })
    const recent = encodeFeedCursor({ xid: '1', seq: '1', createdAt: new Date(Date.now() - 29 * 24 * 3600 * 1000) })
    t.equal((await get(`?after=${recent}`)).statusCode, 200, 'a cursor within the retention')
  })

  t.test('EVENT_RETENTION_DAYS sets the age at which cursors expire', async (t) => {
    const app = await buildOrdersApp(t, { env: { EVENT_RETENTION_DAYS: '2' } })
    const staff = await createUser(app, 'staff')
    const threeDays = encodeFeedCursor({ xid: '1', seq: '1', createdAt: new Date(Date.now() - 3 * 24 * 3600 * 1000) })
    t.equal((await app.inject({ method: 'GET', url: `/api/events?after=${threeDays}`, headers: staff.headers })).statusCode, 410)
  })

  t.test('a client that is up to date never gets 410 for a cursor it was just given', async (t) => {
    const app = await buildOrdersApp(t)
    const staff = await createUser(app, 'staff')
    const customer = await createUser(app, 'customer')
    const product = await insertProduct(app, { stock: 2 })
    const first = await orderFor(app, customer, product.id)
    await orderFor(app, customer, product.id)
    await waitFor('the three events in the feed', async () => {
      const page = await readFeed(app, staff)
      return page.data.length >= 3 ? page : undefined
    })
    // The orders are 31 days old: a cursor that only knew the last event's time would be expired.
    // Events are immutable in the Database types; only a test ages them.
    await sql`update webhook_events set created_at = now() - interval '31 days'`.execute(app.db)
    const byPage = async (query: string): Promise<number> => (await app.inject({ method: 'GET', url: `/api/events${query}`, headers: staff.headers })).statusCode

    const caughtUp = await readFeed(app, staff)
    t.equal(caughtUp.has_more, false)
    t.equal(await byPage(`?after=${caughtUp.next_cursor ?? ''}`), 200, 'the cursor of a page that ended the feed')
    const quiet = await readFeed(app, staff, `?after=${caughtUp.next_cursor ?? ''}`)
    t.same(quiet.data, [])
    t.equal(await byPage(`?after=${quiet.next_cursor ?? ''}`), 200, 'the cursor of an empty page')
    const rare = await readFeed(app, staff, '?types=order.created&limit=1')
    t.same(rare.data.map((e) => e.data.id), [first])
    t.equal(rare.has_more, true)
    t.equal(await byPage(`?types=order.created&after=${rare.next_cursor ?? ''}`), 410, 'a page with more after it keeps its last event\'s time')
    const filtered = await readFeed(app, staff, '?types=product.out_of_stock')
    t.equal(filtered.data.length, 1)
    t.equal(await byPage(`?types=product.out_of_stock&after=${filtered.next_cursor ?? ''}`), 200, 'filtered to a rare type, up to date')
  })

  t.test('pages the outbox with the webhook envelope, in a stable order, filtered by type', async (t) => {
    const app = await buildOrdersApp(t)
    const admin = await createUser(app, 'admin')
    const staff = await createUser(app, 'staff')
    const customer = await createUser(app, 'customer')
    const empty = await readFeed(app, staff)
    t.same({ ...empty, next_cursor: null }, { data: [], next_cursor: null, has_more: false }, 'empty feed')
    t.type(empty.next_cursor, 'string', 'with a cursor at its end all the same')

    const product = await insertProduct(app, { stock: 3 })
    const orders = [await orderFor(app, customer, product.id), await orderFor(app, customer, product.id), await orderFor(app, customer, product.id)]
    t.equal((await transition(app, admin, orders[0] ?? '', 'paid')).statusCode, 200)

    // The feed shows an event once no transaction of this database older than it is open
    // (db/feed-position.ts); the app's own background work may hold it back a moment.
    const all = await waitFor('the five events in the feed', async () => {
      const page = await readFeed(app, staff)
      return page.data.length >= 5 ? page : undefined
    })
    t.same(all.data.map((e) => e.type), ['order.created', 'order.created', 'order.created', 'product.out_of_stock', 'order.status_changed'])
    t.same(all.data.filter((e) => e.type === 'order.created').map((e) => e.data.id), orders, 'in commit order')
    t.equal(all.has_more, false)
    const heldBack = await waitFor('no open transaction holding the feed back', async () => {
      const gauge = /^events_feed_held_back_seconds (\S+)$/m.exec((await app.inject({ method: 'GET', url: '/metrics' })).body)?.[1]
      return gauge === '0' ? gauge : undefined
    })
    t.equal(heldBack, '0', 'the lag gauge reads 0 once every write has ended')
    const outbox = await app.db.selectFrom('webhook_events').select(['id', 'type', 'data', 'created_at']).execute()
    for (const row of outbox) {
      const listed = all.data.find((e) => e.id === row.id)
      t.same(listed, { id: row.id, type: row.type, created_at: row.created_at.toISOString(), data: row.data }, 'the webhook payload of the same event')
    }
    t.match(all.data.at(-1), { type: 'order.status_changed', data: { id: orders[0], status: 'paid', previous_status: 'pending' } })
    // Each event is the variant of the documented union its type names (SDKs type `data` by it).
    const variants = EVENT_SCHEMAS_BY_ID
    for (const event of all.data) t.ok(Value.Check(variants, WebhookEvent, event), `${event.type} matches its WebhookEvent variant`)
    const created = all.data.find((e) => e.type === 'order.created')
    t.notOk(Value.Check(variants, WebhookEvent, { ...created, data: stock0(all.data) }), 'an order.created carrying a product matches none')

    const pages: FeedEvent[] = []
    let cursor: string | null = null
    for (let page = 0; page < 10; page++) {
      const result: FeedPage = await readFeed(app, staff, `?limit=2${cursor === null ? '' : `&after=${cursor}`}`)
      pages.push(...result.data)
      t.ok(result.data.length <= 2)
      cursor = result.next_cursor
      if (!result.has_more) break
    }
    t.same(pages.map((e) => e.id), all.data.map((e) => e.id), 'pages of 2 give the same sequence')

    const linked: string[] = []
    let url: string | undefined = '/api/events?limit=2&types=order.created'
    while (url !== undefined && linked.length < 10) {
      const res: LightMyRequestResponse = await app.inject({ method: 'GET', url, headers: staff.headers })
      const body: FeedPage = res.json()
      linked.push(...body.data.map((e) => e.id))
      const link: unknown = res.headers.link
      if (body.has_more) {
        t.equal(link, `</api/events?limit=2&types=order.created&after=${body.next_cursor ?? ''}>; rel="next"`, 'rel="next" carries the filters and next_cursor as ?after=')
      } else {
        t.equal(link, undefined, 'no rel="next" once caught up: poll next_cursor')
      }
      url = typeof link === 'string' ? /^<([^>]+)>/.exec(link)?.[1] : undefined
    }
    t.same(linked, all.data.filter((e) => e.type === 'order.created').map((e) => e.id), 'following Link pages through the filtered feed')
    const tail = await readFeed(app, staff, `?after=${cursor ?? ''}`)
    t.same(tail, { data: [], next_cursor: cursor, has_more: false }, 'past the end: empty, and the same cursor back')

    const stock = await readFeed(app, admin, '?types=product.out_of_stock')
    t.same(stock.data.map((e) => e.type), ['product.out_of_stock'])
    t.match(stock.data[0]?.data, { id: product.id, stock: 0 })
    const moves = await readFeed(app, staff, '?types=order.status_changed,%20order.created')
    t.equal(moves.data.length, 4, 'two types, spaces ignored')
    const repeated = await readFeed(app, staff, '?types=order.status_changed&types=order.created,order.created&types=order.created')
    t.same(repeated.data.map((e) => e.id), moves.data.map((e) => e.id), 'the parameter repeated, a type named twice: the same filter')

    const fresh = await orderFor(app, customer, (await insertProduct(app)).id)
    const next = await waitFor('the new event in the feed', async () => {
      const page = await readFeed(app, staff, `?after=${cursor ?? ''}`)
      return page.data.length > 0 ? page : undefined
    })
    t.same(next.data.map((e) => e.data.id), [fresh], 'only the new event after the cursor')
  })

  t.test('the order is (xid, seq) as numbers, also where their digit counts differ', async (t) => {
    const app = await buildOrdersApp(t)
    const staff = await createUser(app, 'staff')
    // Written as transactions 9, 10 and 100 (long ended on any server): seq 99 in 9, seq 9 and 10 in 10, seq 1 in 100.
    const written = [['9', '99'], ['10', '9'], ['10', '10'], ['100', '1']]
    for (const [xid, seq] of written) {
      await sql`INSERT INTO webhook_events (type, data, xid, seq) OVERRIDING SYSTEM VALUE VALUES ('order.created', ${JSON.stringify({ id: `${xid}.${seq}` })}::jsonb, ${xid}::xid8, ${seq}::bigint)`.execute(app.db)
    }
    const expected = written.map(([xid, seq]) => `${xid ?? ''}.${seq ?? ''}`)
    t.same((await readFeed(app, staff)).data.map((e) => e.data.id), expected, 'one page')
    const paged: string[] = []
    let after = ''
    for (let page = 0; page < 10; page++) {
      const result = await readFeed(app, staff, `?limit=1${after}`)
      paged.push(...result.data.map((e) => e.data.id))
      after = `&after=${result.next_cursor ?? ''}`
      if (!result.has_more) break
    }
    t.same(paged, expected, 'pages of one: nothing skipped, nothing repeated')
  })

  t.test('a first read that finds nothing hands out a cursor at the feed\'s end, so a rare type is not scanned for again', async (t) => {
    const app = await buildOrdersApp(t)
    const staff = await createUser(app, 'staff')
    const insertEvent = async (type: string): Promise<string> => (await app.db.insertInto('webhook_events').values({ type, data: '{"id":"x"}' }).returning('id').executeTakeFirstOrThrow()).id
    await insertEvent('order.created')
    await insertEvent('order.created')
    await waitForFeed(app, staff, 2)

    const rare = await readFeed(app, staff, '?types=product.out_of_stock')
    t.same(rare.data, [])
    t.equal(rare.has_more, false)
    t.type(rare.next_cursor, 'string', 'a cursor, though nothing was listed')
    t.same((await readFeed(app, staff, `?after=${rare.next_cursor}`)).data, [], 'past the events the first read saw, of every type')

    const soldOut = await insertEvent('product.out_of_stock')
    const next = await waitFor('the new event after the cursor', async () => {
      const page = await readFeed(app, staff, `?types=product.out_of_stock&after=${rare.next_cursor}`)
      return page.data.length > 0 ? page : undefined
    })
    t.same(next.data.map((e) => e.id), [soldOut], 'and before what comes next')
  })

  t.test('a rolled-back change never shows in the feed', async (t) => {
    const app = await buildOrdersApp(t)
    const staff = await createUser(app, 'staff')
    const customer = await createUser(app, 'customer')
    const product = await insertProduct(app, { stock: 1 })
    const refused = await postOrder(app, customer, { items: [{ product_id: product.id, quantity: 2 }] })
    t.equal(refused.statusCode, 409, 'insufficient stock: nothing written')
    t.same((await readFeed(app, staff)).data, [])
  })

  t.test('wait long-polls: an event written during the wait answers it', async (t) => {
    const app = await buildOrdersApp(t)
    const staff = await createUser(app, 'staff')
    const customer = await createUser(app, 'customer')
    const product = await insertProduct(app)
    const start = await readFeed(app, staff)

    const polling = readFeed(app, staff, '?wait=30&types=order.created')
    await sleep(300)
    const id = await orderFor(app, customer, product.id)
    const page = await polling
    t.same(page.data.map((e) => e.data.id), [id], 'the order that came during the wait')
    t.not(page.next_cursor, start.next_cursor)

    const quiet = await readFeed(app, staff, `?wait=1&after=${page.next_cursor ?? ''}`)
    t.same(quiet.data, [], 'nothing came: an empty page after the wait')
    t.equal(quiet.next_cursor, page.next_cursor)
  })

  t.test('closing the app ends a pending long poll at once', async (t) => {
    const app = await buildOrdersApp(t)
    const staff = await createUser(app, 'staff')
    const started = Date.now()
    const polling = app.inject({ method: 'GET', url: '/api/events?wait=30', headers: staff.headers })
    await sleep(300)
    await app.close()
    const res = await polling
    t.equal(res.statusCode, 200)
    t.same(res.json().data, [])
    // Generous: only detects a wait that ran its 30 s instead of ending with the app.
    t.ok(Date.now() - started < 20_000, 'the poll ended with the app, not after its wait')
  })
})
