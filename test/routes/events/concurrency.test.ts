import type { FastifyInstance } from 'fastify'
import { sql } from 'kysely'
import pg from 'pg'
import { suite } from '../../helpers/suite.js'
import { createTestDatabase, usingRealPostgres } from '../../helpers/database.js'
import { createUser } from '../../helpers/users.js'
import { waitFor } from '../../helpers/wait.js'
import { buildOrdersApp, insertProduct, postOrder } from '../orders/fixtures/orders.js'
import { readFeed, type FeedPage } from './fixtures.js'

/** Up to 50 events after a cursor (null: from the start). */
const afterCursor = (cursor: string | null, extra = ''): string => `?limit=50${cursor === null ? '' : `&after=${cursor}`}${extra}`

const EVENT = 'INSERT INTO webhook_events (type, data) VALUES (\'order.created\', jsonb_build_object(\'id\', gen_random_uuid())) RETURNING id'

export default suite(import.meta, (t) => {
  t.test('a transaction that started earlier and commits later is not skipped by a cursor handed out meanwhile', async (t) => {
    if (!usingRealPostgres()) {
      // Embedded PGlite has one connection, so writers cannot overlap: the feed still lists what
      // commits after a cursor was handed out, after that cursor.
      const app = await buildOrdersApp(t)
      const staff = await createUser(app, 'staff')
      const first = await app.db.transaction().execute(async (trx) => (await trx.insertInto('webhook_events').values({ type: 'order.created', data: '{"id":"a"}' }).returning('id').executeTakeFirstOrThrow()).id)
      const page = await readFeed(app, staff, afterCursor(null))
      t.same(page.data.map((e) => e.id), [first])
      const second = (await app.db.insertInto('webhook_events').values({ type: 'order.created', data: '{"id":"b"}' }).returning('id').executeTakeFirstOrThrow()).id
      t.same((await readFeed(app, staff, afterCursor(page.next_cursor))).data.map((e) => e.id), [second])
      return
    }
    const { env: databaseEnv, url } = await createTestDatabase(t)
    const app = await buildOrdersApp(t, { databaseEnv })
    const staff = await createUser(app, 'staff')
    const late = new pg.Client({ connectionString: url ?? '' })
    await late.connect()
    t.teardown(async () => { await late.end() })

    // The late writer starts first (its created_at, now() of its transaction, is the earliest)...
    await late.query('BEGIN')
    await late.query('SELECT pg_current_xact_id()')
    const lateId: string = (await late.query(EVENT)).rows[0].id
    // ...an early one commits while it runs.
    const early = (await app.db.insertInto('webhook_events').values({ type: 'order.created', data: '{"id":"early"}' }).returning('id').executeTakeFirstOrThrow()).id

    const whileOpen = await readFeed(app, staff, afterCursor(null))
    t.same(whileOpen.data, [], 'nothing is handed out past a transaction still running')
    t.type(whileOpen.next_cursor, 'string', 'a cursor at the end of what is visible')

    await late.query('COMMIT')
    const all = await waitFor('both events in the feed', async () => {
      const page = await readFeed(app, staff, afterCursor(null))
      return page.data.length === 2 ? page : undefined
    })
    t.same(all.data.map((e) => e.id), [lateId, early], 'in transaction order')
    const resumed = await readFeed(app, staff, afterCursor(whileOpen.next_cursor))
    t.same(resumed.data.map((e) => e.id), [lateId, early], 'the cursor handed out while it ran lists both')
    const [lateEvent, earlyEvent] = all.data
    t.ok(Date.parse(lateEvent?.created_at ?? '') <= Date.parse(earlyEvent?.created_at ?? ''), 'a created_at cursor would have skipped the late event')
  })

  // Overlapping writers need real Postgres (embedded PGlite has one connection): the test above covers the embedded feed.
  if (usingRealPostgres()) {
    t.test('an event that commits after a later-started one became visible comes after the cursor', async (t) => {
      const { env: databaseEnv, url } = await createTestDatabase(t)
      const app = await buildOrdersApp(t, { databaseEnv })
      const staff = await createUser(app, 'staff')
      const held = new pg.Client({ connectionString: url ?? '' })
      await held.connect()
      t.teardown(async () => { await held.end() })

      // The held transaction begins (no xid yet: it has not written), another commits an event...
      await held.query('BEGIN')
      await held.query('SELECT 1')
      const first = (await app.db.insertInto('webhook_events').values({ type: 'order.created', data: '{"id":"first"}' }).returning('id').executeTakeFirstOrThrow()).id
      const page = await waitFor('the committed event', async () => {
        const result = await readFeed(app, staff, afterCursor(null))
        return result.data.length === 1 ? result : undefined
      })
      t.same(page.data.map((e) => e.id), [first])
      // ...then the held one writes and commits: it started earlier, commits later.
      const heldId: string = (await held.query(EVENT)).rows[0].id
      await held.query('COMMIT')
      const after = await waitFor('the held event after the cursor', async () => {
        const result = await readFeed(app, staff, afterCursor(page.next_cursor))
        return result.data.length > 0 ? result : undefined
      })
      t.same(after.data.map((e) => e.id), [heldId], 'the late commit appears after the cursor handed out before it')
    })

    t.test('a transaction held open in another database of the server does not hold the feed back', async (t) => {
      const { env: databaseEnv } = await createTestDatabase(t)
      const other = await createTestDatabase(t)
      const app = await buildOrdersApp(t, { databaseEnv })
      const staff = await createUser(app, 'staff')
      const foreign = new pg.Client({ connectionString: other.url ?? '' })
      await foreign.connect()
      t.teardown(async () => { await foreign.end() })

      // The other database's transaction takes its xid first, so it is older than the event's.
      await foreign.query('BEGIN')
      const foreignXid: string = (await foreign.query('SELECT pg_current_xact_id()::text AS xid')).rows[0].xid
      const eventId = (await app.db.insertInto('webhook_events').values({ type: 'order.created', data: '{"id":"here"}' }).returning('id').executeTakeFirstOrThrow()).id
      const eventXid = (await app.db.selectFrom('webhook_events').select(sql<string>`xid::text`.as('xid')).where('id', '=', eventId).executeTakeFirstOrThrow()).xid
      t.ok(BigInt(foreignXid) < BigInt(eventXid), 'the event was written after the other transaction began')

      const page = await waitFor('the event listed while the other database\'s transaction is open', async () => {
        const result = await readFeed(app, staff, afterCursor(null))
        return result.data.length > 0 ? result : undefined
      })
      t.same(page.data.map((e) => e.id), [eventId])
      await foreign.query('ROLLBACK')
    })

    t.test('the held-back gauge shows an open write transaction of this database, not of another', async (t) => {
      const { env: databaseEnv, url } = await createTestDatabase(t)
      const other = await createTestDatabase(t)
      const app = await buildOrdersApp(t, { databaseEnv })
      const heldBack = async (): Promise<number> => {
        const metrics = (await app.inject({ method: 'GET', url: '/metrics' })).body
        const value = /^events_feed_held_back_seconds (\S+)$/m.exec(metrics)?.[1]
        if (value === undefined) throw new Error('no events_feed_held_back_seconds in /metrics')
        return Number(value)
      }
      const clients = await Promise.all([url, other.url].map(async (connectionString) => {
        const client = new pg.Client({ connectionString: connectionString ?? '' })
        await client.connect()
        t.teardown(async () => { await client.end() })
        return client
      }))
      const [local, foreign] = clients
      if (local === undefined || foreign === undefined) throw new Error('two clients')

      await foreign.query('BEGIN')
      await foreign.query('SELECT pg_current_xact_id()')
      await local.query('BEGIN')
      await local.query('SELECT 1')
      t.equal(await waitFor('nothing held back', async () => (await heldBack()) === 0 ? 0 : undefined), 0,
        'another database\'s write and this one\'s read-only transaction hold nothing back')
      await local.query('SELECT pg_current_xact_id()')
      const held = await waitFor('the write transaction counted', async () => {
        const seconds = await heldBack()
        return seconds > 0 ? seconds : undefined
      })
      t.ok(held > 0, `held back ${held} s while this database's write transaction is open`)
      await local.query('COMMIT')
      t.equal(await waitFor('nothing held back once it ends', async () => (await heldBack()) === 0 ? 0 : undefined), 0)
      await foreign.query('ROLLBACK')
    })
  }

  t.test('two consumers, four writers on two replicas: each consumer sees every event exactly once', async (t) => {
    const { env: databaseEnv } = await createTestDatabase(t)
    const a = await buildOrdersApp(t, { databaseEnv })
    const b = usingRealPostgres() ? await buildOrdersApp(t, { databaseEnv }) : a
    const staff = await createUser(a, 'staff')
    const customer = await createUser(a, 'customer')
    const products = await Promise.all(Array.from({ length: 4 }, async () => await insertProduct(a, { stock: 10_000 })))

    const WRITERS = 4
    const ORDERS_EACH = 30
    let writing = true
    const writers = Array.from({ length: WRITERS }, async (_, w) => {
      const app = w % 2 === 0 ? a : b
      const ids: string[] = []
      for (let i = 0; i < ORDERS_EACH; i++) {
        const res = await postOrder(app, customer, { items: [{ product_id: products[(w + i) % products.length]?.id, quantity: 1 }] })
        if (res.statusCode !== 201) throw new Error(`order failed: ${res.statusCode} ${res.body}`)
        ids.push(res.json().id)
      }
      return ids
    })
    const consumer = async (app: FastifyInstance): Promise<string[]> => {
      const seen: string[] = []
      let cursor: string | null = null
      for (;;) {
        const done = !writing
        const page: FeedPage = await readFeed(app, staff, afterCursor(cursor, '&types=order.created&wait=1'))
        seen.push(...page.data.map((e) => e.data.id))
        cursor = page.next_cursor
        if (done && page.data.length === 0 && seen.length >= WRITERS * ORDERS_EACH) return seen
      }
    }
    const consumers = [consumer(a), consumer(b)]
    const written = (await Promise.all(writers)).flat()
    writing = false
    const [one, two] = await Promise.all(consumers)
    t.equal(written.length, WRITERS * ORDERS_EACH)
    for (const [name, seen] of [['first', one], ['second', two]] as const) {
      t.equal(seen?.length, written.length, `${name} consumer: as many events as orders`)
      t.equal(new Set(seen).size, seen?.length, `${name} consumer: no event twice`)
      t.same(new Set(seen), new Set(written), `${name} consumer: every order`)
    }
  })
})
