import { randomBytes, randomUUID } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import type { FastifyInstance } from 'fastify'
import { sql } from 'kysely'
import { suite } from '../../../helpers/suite.js'
import { API_KEY_STATE_TTL_MS } from '../../../../lib/api-keys/live-keys.js'
import { generateApiKey } from '../../../../lib/api-keys/format.js'
import { buildTestApp } from '../../../helpers/app.js'
import { createApiKey } from '../../../helpers/api-keys.js'
import { createTestDatabase, usingRealPostgres, type TestContext } from '../../../helpers/database.js'
import { createUser } from '../../../helpers/users.js'

const json = { 'content-type': 'application/json' }

/** Two app instances on one Postgres database and Redis prefix; on PGlite (one process) the same instance twice. */
async function twoReplicas (t: TestContext): Promise<[FastifyInstance, FastifyInstance]> {
  const env = { REDIS_KEY_PREFIX: `goshop:test:api-keys:${randomBytes(6).toString('hex')}:` }
  if (!usingRealPostgres()) {
    const app = await buildTestApp(t, { env })
    return [app, app]
  }
  const { env: databaseEnv } = await createTestDatabase(t)
  return [await buildTestApp(t, { databaseEnv, env }), await buildTestApp(t, { databaseEnv, env })]
}

/** A replica trusts a key lookup at most API_KEY_STATE_TTL_MS; after that its next request reads the database. */
const waitOutReplicaCache = async (): Promise<void> => { await sleep(API_KEY_STATE_TTL_MS + 20) }

const listProducts = async (app: FastifyInstance, headers: Record<string, string>) => await app.inject({ method: 'GET', url: '/api/products', headers })
const newProduct = () => ({ sku: `KEY-${randomUUID()}`, name: 'Key probe', price_cents: 100, stock: 1 })

export default suite(import.meta, (t) => {
  t.test('the bound is within SPEC: at most 1 s', async (t) => {
    t.ok(API_KEY_STATE_TTL_MS > 0 && API_KEY_STATE_TTL_MS <= 750, `${API_KEY_STATE_TTL_MS} ms plus one query's latency`)
  })

  t.test('a malformed key or one with a wrong checksum is refused without a database read', async (t) => {
    const app = await buildTestApp(t)
    const good = generateApiKey()
    const flipped = good.slice(0, 20) + (good[20] === 'a' ? 'b' : 'a') + good.slice(21)
    // No database from here on: a request that tried to read one would fail with a 5xx, not a 401.
    await app.db.destroy()
    for (const [what, key] of [['a wrong checksum', flipped], ['a truncated key', good.slice(0, -1)], ['a key too long', `${good}0`], ['a bad character', `${good.slice(0, 30)}-${good.slice(31)}`], ['the bare tag', 'gsk_']]) {
      const res = await listProducts(app, { authorization: `Bearer ${key}` })
      t.equal(res.statusCode, 401, `${what}: 401`)
      t.equal(res.json().code, 'API_KEY_INVALID')
      t.equal(res.headers['www-authenticate'], 'Bearer')
    }
    const control = await listProducts(app, { authorization: `Bearer ${good}` })
    t.ok(control.statusCode >= 500, `control: a well-formed unknown key needs the database (${control.statusCode})`)
  })

  t.test('the Bearer scheme is case-insensitive for keys as for access tokens (RFC 9110 §11.1)', async (t) => {
    const app = await buildTestApp(t)
    for (const scheme of ['bearer', 'BEARER']) {
      const bad = await listProducts(app, { authorization: `${scheme} ${generateApiKey().slice(0, -1)}` })
      t.equal(bad.statusCode, 401, `${scheme}: a malformed key is 401`)
      t.equal(bad.json().code, 'API_KEY_INVALID', `${scheme}: recognised as a key, not read as an access token`)
      t.equal(bad.headers['www-authenticate'], 'Bearer')
    }
    const tabbed = await listProducts(app, { authorization: `Bearer\t${generateApiKey()}` })
    t.equal(tabbed.json().code, 'TOKEN_MISSING', 'one space after the scheme, as for access tokens')
    const staff = await createUser(app, 'staff')
    const key = await createApiKey(app, staff, ['products:read'])
    for (const scheme of ['bearer', 'BEARER', 'bEaReR']) {
      t.equal((await listProducts(app, { authorization: `${scheme} ${key.key}` })).statusCode, 200, `${scheme} <key> is admitted`)
    }
  })

  t.test('a key acts as its owner within its scopes; a missing scope is 403 naming required_scopes', async (t) => {
    const app = await buildTestApp(t)
    const staff = await createUser(app, 'staff')
    const key = await createApiKey(app, staff, ['products:read', 'products:write'])
    t.equal((await listProducts(app, key.headers)).statusCode, 200, 'products:read lists products')
    const created = await app.inject({ method: 'POST', url: '/api/products', headers: { ...key.headers, ...json }, payload: newProduct() })
    t.equal(created.statusCode, 201, 'products:write creates one (the owner is staff)')
    const audit = await app.db.selectFrom('audit_events').selectAll().where('resource_id', '=', created.json().id).executeTakeFirstOrThrow()
    t.match(audit, { action: 'product.created', actor_type: 'api_key', actor_id: key.id }, 'the audit log names the key as the actor')

    const refused = await app.inject({ method: 'GET', url: '/api/events', headers: key.headers })
    t.equal(refused.statusCode, 403)
    t.match(refused.json(), { code: 'INSUFFICIENT_SCOPE', required_scopes: ['events:read'] })
    t.match(String(refused.headers['content-type']), /^application\/problem\+json/)
    const order = await app.inject({ method: 'POST', url: '/api/orders', headers: { ...key.headers, ...json }, payload: '{"broken' })
    t.equal(order.statusCode, 403, 'refused before the body is parsed')
    t.same(order.json().required_scopes, ['orders:write'])
    const me = await app.inject({ method: 'GET', url: '/auth/me', headers: key.headers })
    t.equal(me.statusCode, 200, '/auth/me takes a key of any scope')
    t.match(me.json(), { id: staff.id, role: 'staff' }, 'and names its owner')
    const mint = await app.inject({ method: 'POST', url: '/api/api-keys', headers: { ...key.headers, ...json }, payload: { name: 'successor', scopes: ['products:read'] } })
    t.equal(mint.statusCode, 403, 'a key cannot mint keys')
    t.same(mint.json().required_scopes, [])

    const unknown = await listProducts(app, { authorization: `Bearer ${generateApiKey()}` })
    t.equal(unknown.statusCode, 401, 'a well-formed key that was never issued')
    t.equal(unknown.json().code, 'API_KEY_INVALID')
  })

  t.test('an expired key is refused', async (t) => {
    const app = await buildTestApp(t)
    const customer = await createUser(app, 'customer')
    const key = await createApiKey(app, customer, ['products:read'])
    await app.db.updateTable('api_keys').set({ expires_at: sql<Date>`now() - interval '1 second'` }).where('id', '=', key.id).execute()
    const res = await listProducts(app, key.headers)
    t.equal(res.statusCode, 401)
    t.equal(res.json().code, 'API_KEY_INVALID')
  })

  t.test('a revocation on replica A is refused on replica B within the bound', async (t) => {
    const [a, b] = await twoReplicas(t)
    const customer = await createUser(a, 'customer')
    const key = await createApiKey(a, customer, ['products:read'])
    t.equal((await listProducts(b, key.headers)).statusCode, 200, 'B has read the key')
    t.equal((await a.inject({ method: 'DELETE', url: `/api/api-keys/${key.id}`, headers: customer.headers })).statusCode, 204)
    t.equal((await listProducts(a, key.headers)).statusCode, 401, 'on A, the replica that revoked it: at once')
    await waitOutReplicaCache()
    const onB = await listProducts(b, key.headers)
    t.equal(onB.statusCode, 401, 'on B too')
    t.equal(onB.json().code, 'API_KEY_INVALID')
  })

  t.test('a roll: the new key works, the old one for the overlap only', async (t) => {
    const app = await buildTestApp(t)
    const customer = await createUser(app, 'customer')
    const old = await createApiKey(app, customer, ['products:read', 'orders:read'], { name: 'sync' })
    const roll = async (id: string, hours: unknown) => await app.inject({ method: 'POST', url: `/api/api-keys/${id}/roll`, headers: { ...customer.headers, ...json }, payload: { expires_in_hours: hours } })
    for (const hours of [-1, 169, 1.5, '1']) t.equal((await roll(old.id, hours)).statusCode, 400, `expires_in_hours ${String(hours)} refused`)

    const before = Date.now()
    const rolled = await roll(old.id, 24)
    t.equal(rolled.statusCode, 201, rolled.body)
    const fresh = rolled.json()
    t.not(fresh.id, old.id)
    t.not(fresh.key, old.key)
    t.match(fresh, { name: 'sync', scopes: ['products:read', 'orders:read'], user_id: customer.id })
    const oldNow = (await app.inject({ method: 'GET', url: `/api/api-keys/${old.id}`, headers: customer.headers })).json()
    const overlapEnd = Date.parse(oldNow.expires_at)
    t.ok(overlapEnd >= before + 24 * 3600_000 - 1000 && overlapEnd <= Date.now() + 24 * 3600_000 + 1000, 'the old key now ends 24 h from the roll')
    t.equal((await listProducts(app, old.headers)).statusCode, 200, 'the old key works during the overlap')
    t.equal((await listProducts(app, { authorization: `Bearer ${fresh.key}` })).statusCode, 200, 'the new key works')
    const actions = await app.db.selectFrom('audit_events').select(['action', 'resource_id']).where('request_id', '=', String(rolled.headers['x-request-id'])).orderBy('action').execute()
    t.same(actions, [{ action: 'api_key.created', resource_id: fresh.id }, { action: 'api_key.rolled', resource_id: old.id }], 'both halves of the roll are audited')

    const second = await roll(fresh.id, 0)
    t.equal(second.statusCode, 201)
    t.equal((await listProducts(app, { authorization: `Bearer ${fresh.key}` })).statusCode, 401, 'a roll with no overlap stops the old key at once')
    t.equal((await listProducts(app, { authorization: `Bearer ${second.json().key}` })).statusCode, 200)
  })

  t.test('a demoted owner\'s keys lose the rights of the old role within the bound', async (t) => {
    const [a, b] = await twoReplicas(t)
    const admin = await createUser(a, 'admin')
    const staff = await createUser(a, 'staff')
    const key = await createApiKey(a, staff, ['products:read', 'products:write'])
    t.equal((await b.inject({ method: 'POST', url: '/api/products', headers: { ...key.headers, ...json }, payload: newProduct() })).statusCode, 201, 'staff\'s key writes products on B')
    t.equal((await a.inject({ method: 'PUT', url: `/api/users/${staff.id}/role`, headers: { ...admin.headers, ...json }, payload: { role: 'customer' } })).statusCode, 200)
    await waitOutReplicaCache()
    const refused = await b.inject({ method: 'POST', url: '/api/products', headers: { ...key.headers, ...json }, payload: newProduct() })
    t.equal(refused.statusCode, 403, 'the key still says products:write, the owner is a customer now')
    t.match(refused.json(), { code: 'INSUFFICIENT_SCOPE', required_scopes: ['products:write'] })
    t.equal((await listProducts(b, key.headers)).statusCode, 200, 'what a customer may do still works')
  })

  t.test('last_used_at is written at most once a minute', async (t) => {
    const app = await buildTestApp(t)
    const customer = await createUser(app, 'customer')
    const key = await createApiKey(app, customer, ['products:read'])
    const lastUsed = async () => (await app.db.selectFrom('api_keys').select('last_used_at').where('id', '=', key.id).executeTakeFirstOrThrow()).last_used_at
    t.equal(await lastUsed(), null, 'never used')
    await listProducts(app, key.headers)
    const first = await lastUsed()
    t.ok(first instanceof Date, 'set by the first use')
    await listProducts(app, key.headers)
    await waitOutReplicaCache()
    await listProducts(app, key.headers)
    t.same(await lastUsed(), first, 'not written again within the minute (also after the cache re-read the row)')
    await app.db.updateTable('api_keys').set({ last_used_at: sql<Date>`now() - interval '2 minutes'` }).where('id', '=', key.id).execute()
    await waitOutReplicaCache()
    await listProducts(app, key.headers)
    const later = await lastUsed()
    t.ok(later !== null && first !== null && later.getTime() >= first.getTime(), 'written again once the last write is over a minute old')
    const shown = (await app.inject({ method: 'GET', url: `/api/api-keys/${key.id}`, headers: customer.headers })).json()
    t.equal(shown.last_used_at, later?.toISOString(), 'and shown on the key')
  })

  t.test('each key has its own rate-limit bucket', async (t) => {
    const app = await buildTestApp(t, { env: { RATE_LIMIT_MAX: '4' } })
    const owner = await createUser(app, 'customer')
    const one = await createApiKey(app, owner, ['products:read'])
    const two = await createApiKey(app, owner, ['products:read'])
    // The two creations above used 2 of this address's 4 requests.
    const statuses: number[] = []
    for (let i = 0; i < 6; i++) statuses.push((await listProducts(app, one.headers)).statusCode)
    t.same(statuses, [200, 200, 200, 200, 200, 429], 'key one: its first use counts against the address (3 of 4), then 4 in its own bucket, then 429')
    t.equal((await listProducts(app, two.headers)).statusCode, 200, 'key two\'s first use counts against the address (4 of 4)')
    const twoStatuses: number[] = []
    for (let i = 0; i < 5; i++) twoStatuses.push((await listProducts(app, two.headers)).statusCode)
    t.same(twoStatuses, [200, 200, 200, 200, 429], 'then key two has its own 4, untouched by key one')
    t.equal((await listProducts(app, owner.headers)).statusCode, 429, 'the owner\'s access token counts against the address, which is spent')
  })

  t.test('a key buys no budget on the public auth routes: /register and /login count against the address whatever they present', async (t) => {
    const app = await buildTestApp(t, { env: { RATE_LIMIT_AUTH_MAX: '2' } })
    const owner = await createUser(app, 'customer')
    const key = await createApiKey(app, owner, ['products:read'])
    t.equal((await listProducts(app, key.headers)).statusCode, 200, 'the key has authenticated here, so it has a bucket')
    for (const url of ['/register', '/login']) {
      const post = async (headers: Record<string, string>) => (await app.inject({ method: 'POST', url, headers: { ...headers, ...json }, payload: {} })).statusCode
      t.same([await post({}), await post({}), await post({})], [400, 400, 429], `${url}: the address's budget is spent`)
      t.equal(await post(key.headers), 429, `${url}: presenting the key does not open a fresh one`)
    }
  })

  t.test('a key that stops authenticating loses its bucket: its requests count against the address again', async (t) => {
    const app = await buildTestApp(t, { env: { RATE_LIMIT_MAX: '6' } })
    const owner = await createUser(app, 'customer')
    const key = await createApiKey(app, owner, ['products:read']) // 1 of the address's 6
    t.equal((await listProducts(app, key.headers)).statusCode, 200, 'first use, against the address (2 of 6)')
    t.equal((await app.inject({ method: 'DELETE', url: `/api/api-keys/${key.id}`, headers: owner.headers })).statusCode, 204, 'revoked (3 of 6)')
    const statuses: number[] = []
    for (let i = 0; i < 5; i++) statuses.push((await listProducts(app, key.headers)).statusCode)
    t.same(statuses, [401, 401, 401, 401, 429], 'one refusal in the key\'s bucket, then 3 against the address, then 429 (not 6 more 401s of its own)')
  })
})
