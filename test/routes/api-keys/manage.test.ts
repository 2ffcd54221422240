import { suite } from '../../helpers/suite.js'
import { buildTestApp } from '../../helpers/app.js'
import { createUser } from '../../helpers/users.js'
import { createApiKey } from '../../helpers/api-keys.js'
import { hashApiKey, isWellFormedApiKey } from '../../../lib/api-keys/format.js'
import { KEY_EXAMPLE } from '../../../schemas/api-keys.js'

const json = { 'content-type': 'application/json' }

export default suite(import.meta, (t) => {
  t.test('creation: validation, ungrantable scopes 403, expiry bounds, key shown once and stored hashed', async (t) => {
    const app = await buildTestApp(t)
    const customer = await createUser(app, 'customer')
    const staff = await createUser(app, 'staff')
    const post = async (user: { headers: Record<string, string> }, payload: Record<string, unknown>) =>
      await app.inject({ method: 'POST', url: '/api/api-keys', headers: { ...user.headers, ...json }, payload })

    t.equal((await app.inject({ method: 'POST', url: '/api/api-keys', headers: json, payload: { name: 'x', scopes: ['products:read'] } })).statusCode, 401)
    for (const payload of [{ name: '', scopes: ['products:read'] }, { name: 'x', scopes: [] }, { name: 'x', scopes: ['products:delete'] }, { name: 'x', scopes: ['products:read'], extra: 1 }, { scopes: ['products:read'] }]) {
      t.equal((await post(customer, payload)).statusCode, 400, `400 for ${JSON.stringify(payload)}`)
    }
    for (const [user, scope] of [[customer, 'audit:read'], [customer, 'webhooks:manage'], [customer, 'products:write'], [staff, 'audit:read'], [staff, 'webhooks:manage']] as const) {
      const res = await post(user, { name: 'too much', scopes: ['products:read', scope] })
      t.equal(res.statusCode, 403, `a ${user.role} cannot grant ${scope}`)
      t.equal(res.json().code, 'API_KEY_SCOPE_NOT_GRANTABLE')
      t.equal(res.json().errors[0].pointer, '/scopes/1')
    }
    const inTwoYears = new Date(Date.now() + 2 * 366 * 24 * 3600_000).toISOString()
    for (const expires of [new Date(Date.now() - 1000).toISOString(), inTwoYears]) {
      const res = await post(customer, { name: 'x', scopes: ['products:read'], expires_at: expires })
      t.equal(res.statusCode, 422, `expires_at ${expires} refused`)
      t.equal(res.json().code, 'API_KEY_EXPIRY_INVALID')
    }
    t.equal(await app.db.selectFrom('api_keys').select('id').execute().then((rows) => rows.length), 0, 'nothing was stored')

    const created = await post(staff, { name: 'ERP', scopes: ['products:write', 'products:read', 'products:read'] })
    t.equal(created.statusCode, 201, created.body)
    const body = created.json()
    t.ok(isWellFormedApiKey(body.key), 'a gsk_ key with a valid checksum')
    t.ok(isWellFormedApiKey(KEY_EXAMPLE), 'the documented example is a well-formed key too')
    t.equal(body.prefix, body.key.slice(0, 12))
    t.same(body.scopes, ['products:read', 'products:write'], 'scopes deduplicated')
    t.equal(body.user_id, staff.id)
    t.equal(body.last_used_at, null)
    const lifetimeDays = (Date.parse(body.expires_at) - Date.parse(body.created_at)) / 86_400_000
    t.ok(lifetimeDays > 89.9 && lifetimeDays < 90.1, 'default lifetime: 90 days')
    t.equal(created.headers.location, `/api/api-keys/${body.id}`)
    const row = await app.db.selectFrom('api_keys').selectAll().where('id', '=', body.id).executeTakeFirstOrThrow()
    t.equal(row.key_hash, hashApiKey(body.key), 'only the SHA-256 is stored')
    t.notOk(JSON.stringify(row).includes(body.key.slice(12)), 'the secret is nowhere in the row')

    const fetched = await app.inject({ method: 'GET', url: `/api/api-keys/${body.id}`, headers: staff.headers })
    t.equal(fetched.statusCode, 200)
    t.notOk('key' in fetched.json(), 'the key is not shown again')
    t.equal((await app.inject({ method: 'GET', url: `/api/api-keys/${body.id}`, headers: customer.headers })).json().code, 'API_KEY_NOT_FOUND', 'not someone else\'s')

    const audit = await app.db.selectFrom('audit_events').selectAll().where('resource_id', '=', body.id).execute()
    t.equal(audit.length, 1)
    t.match(audit[0], { action: 'api_key.created', actor_type: 'user', actor_id: staff.id, resource_type: 'api_key' })
    t.same(audit[0]?.changes.key, [null, '[redacted]'], 'the audit row marks the secret, without it')
    t.notOk(JSON.stringify(audit[0]).includes(body.key.slice(12)), 'the secret is not in the audit log')
  })

  t.test('a key cannot manage keys: the management routes take user access tokens only', async (t) => {
    const app = await buildTestApp(t)
    const admin = await createUser(app, 'admin')
    const key = await createApiKey(app, admin, ['products:read', 'audit:read', 'webhooks:manage'])
    for (const [method, url] of [['POST', '/api/api-keys'], ['GET', '/api/api-keys'], ['GET', `/api/api-keys/${key.id}`], ['DELETE', `/api/api-keys/${key.id}`], ['POST', `/api/api-keys/${key.id}/roll`]] as const) {
      const res = await app.inject({ method, url, headers: { ...key.headers, ...json }, payload: method === 'POST' ? {} : undefined })
      t.equal(res.statusCode, 403, `${method} ${url}`)
      t.equal(res.json().code, 'INSUFFICIENT_SCOPE')
      t.same(res.json().required_scopes, [], 'no scope admits a key here')
    }
  })

  t.test('listing: own keys, admins all and ?user_id=, cursor paging; revoked keys are gone', async (t) => {
    const app = await buildTestApp(t)
    const admin = await createUser(app, 'admin')
    const alice = await createUser(app, 'customer')
    const bob = await createUser(app, 'customer')
    const aliceKeys = [await createApiKey(app, alice, ['products:read']), await createApiKey(app, alice, ['orders:read']), await createApiKey(app, alice, ['orders:write'])]
    const bobKey = await createApiKey(app, bob, ['products:read'])

    const first = await app.inject({ method: 'GET', url: '/api/api-keys?limit=2', headers: alice.headers })
    t.equal(first.statusCode, 200)
    t.same(first.json().data.map((k: { id: string }) => k.id), aliceKeys.slice(0, 2).map((k) => k.id))
    t.match(first.headers.link, /rel="next"/)
    const second = await app.inject({ method: 'GET', url: `/api/api-keys?limit=2&cursor=${encodeURIComponent(first.json().next_cursor)}`, headers: alice.headers })
    t.same(second.json().data.map((k: { id: string }) => k.id), [aliceKeys[2]?.id])
    t.equal(second.json().next_cursor, null)
    const foreign = await app.inject({ method: 'GET', url: `/api/api-keys?user_id=${bob.id}`, headers: alice.headers })
    t.same(foreign.json().data.map((k: { id: string }) => k.id), aliceKeys.map((k) => k.id), 'a non-admin\'s ?user_id= is ignored: own keys only')

    const all = await app.inject({ method: 'GET', url: '/api/api-keys', headers: admin.headers })
    t.equal(all.json().data.length, 4, 'admins see every key')
    const bobs = await app.inject({ method: 'GET', url: `/api/api-keys?user_id=${bob.id}`, headers: admin.headers })
    t.same(bobs.json().data.map((k: { id: string }) => k.id), [bobKey.id])

    t.equal((await app.inject({ method: 'DELETE', url: `/api/api-keys/${bobKey.id}`, headers: alice.headers })).statusCode, 404, 'alice cannot revoke bob\'s key')
    t.equal((await app.inject({ method: 'DELETE', url: `/api/api-keys/${bobKey.id}`, headers: admin.headers })).statusCode, 204, 'an admin can')
    t.equal((await app.inject({ method: 'GET', url: `/api/api-keys/${bobKey.id}`, headers: bob.headers })).statusCode, 404, 'a revoked key is gone')
    t.equal((await app.inject({ method: 'DELETE', url: `/api/api-keys/${bobKey.id}`, headers: bob.headers })).statusCode, 404, 'and cannot be revoked twice')
    const revoked = await app.db.selectFrom('audit_events').selectAll().where('resource_id', '=', bobKey.id).where('action', '=', 'api_key.revoked').executeTakeFirstOrThrow()
    t.match(revoked, { actor_type: 'user', actor_id: admin.id })
    t.equal(revoked.changes.revoked_at?.[0], null)
    t.ok(typeof revoked.changes.revoked_at?.[1] === 'string')
  })
})
