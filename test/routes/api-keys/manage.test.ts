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
    for (const name of ['   ', '\u200b\t']) {
      const blank = await post(customer, { name, scopes: ['products:read'] })
      t.equal(blank.statusCode, 400, `a blank name ${JSON.stringify(name)} is refused`)
      t.equal(blank.json().errors[0].pointer, '/name')
    }
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
    const staff = await createUser(app, 'staff')
    const aliceKeys = [await createApiKey(app, alice, ['products:read']), await createApiKey(app, alice, ['orders:read']), await createApiKey(app, alice, ['orders:write'])]
    const bobKey = await createApiKey(app, bob, ['products:read'])
    const staffKey = await createApiKey(app, staff, ['products:read'])

    // Someone else's ?user_id= is refused, not ignored (an ignored filter would pass off one's own keys as theirs).
    for (const [caller, other] of [[alice, bob], [staff, bob], [staff, alice], [alice, admin]] as const) {
      const res = await app.inject({ method: 'GET', url: `/api/api-keys?user_id=${other.id}`, headers: caller.headers })
      t.equal(res.statusCode, 403, `a ${caller.role} asking for a ${other.role}'s keys`)
      t.equal(res.json().code, 'FORBIDDEN')
      t.notOk(JSON.stringify(res.json()).includes(bobKey.id), 'and sees none of them')
    }
    // One's own id is a filter that changes nothing, in any letter case.
    for (const userId of [alice.id, alice.id.toUpperCase()]) {
      const own = await app.inject({ method: 'GET', url: `/api/api-keys?user_id=${userId}`, headers: alice.headers })
      t.equal(own.statusCode, 200, own.body)
      t.same(own.json().data.map((k: { id: string }) => k.id), aliceKeys.map((k) => k.id), 'own ?user_id=: own keys')
    }
    const staffOwn = await app.inject({ method: 'GET', url: `/api/api-keys?user_id=${staff.id}`, headers: staff.headers })
    t.same(staffOwn.json().data.map((k: { id: string }) => k.id), [staffKey.id], 'staff: own keys with their own ?user_id=')

    const first = await app.inject({ method: 'GET', url: '/api/api-keys?limit=2', headers: alice.headers })
    t.equal(first.statusCode, 200)
    t.same(first.json().data.map((k: { id: string }) => k.id), aliceKeys.slice(0, 2).map((k) => k.id))
    t.match(first.headers.link, /rel="next"/)
    const second = await app.inject({ method: 'GET', url: `/api/api-keys?limit=2&cursor=${encodeURIComponent(first.json().next_cursor)}`, headers: alice.headers })
    t.same(second.json().data.map((k: { id: string }) => k.id), [aliceKeys[2]?.id])
    t.equal(second.json().next_cursor, null)

    const all = await app.inject({ method: 'GET', url: '/api/api-keys', headers: admin.headers })
    t.equal(all.json().data.length, 5, 'admins see every key')
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

  t.test('ETag: GET honours If-None-Match, DELETE honours If-Match (412 when stale); every write to the key, a use included, moves it', async (t) => {
    const app = await buildTestApp(t)
    const owner = await createUser(app, 'staff')
    const created = await app.inject({ method: 'POST', url: '/api/api-keys', headers: { ...owner.headers, ...json }, payload: { name: 'ERP', scopes: ['products:read'] } })
    t.equal(created.statusCode, 201)
    const key = created.json()
    const url = `/api/api-keys/${String(key.id)}`
    const createdTag = created.headers.etag
    t.equal(createdTag, '"1"', 'a new key sends the ETag of its first version')
    const revokedAudit = async () => await app.db.selectFrom('audit_events').select('id').where('resource_id', '=', key.id).where('action', '=', 'api_key.revoked').execute()

    // Unhappy paths first: a stale If-Match revokes nothing.
    const stale = await app.inject({ method: 'DELETE', url, headers: { ...owner.headers, 'if-match': '"999"' } })
    t.equal(stale.statusCode, 412)
    t.equal(stale.json().code, 'PRECONDITION_FAILED')
    t.equal((await app.inject({ method: 'GET', url, headers: owner.headers })).statusCode, 200, 'the key is still there')
    t.equal((await app.inject({ method: 'GET', url: '/api/products', headers: { authorization: `Bearer ${String(key.key)}` } })).statusCode, 200, 'and still works')
    t.same(await revokedAudit(), [], 'no revocation was recorded')
    const other = await app.inject({ method: 'GET', url, headers: { ...owner.headers, 'if-none-match': '"999"' } })
    t.equal(other.statusCode, 200, 'another ETag gets the key')

    // That use wrote last_used_at: the key's representation changed, so its ETag did too.
    const fetched = await app.inject({ method: 'GET', url, headers: owner.headers })
    t.equal(fetched.statusCode, 200)
    const etag = String(fetched.headers.etag)
    t.equal(etag, '"2"', 'last_used_at written once: one new version')
    t.not(fetched.json().last_used_at, null)
    t.equal((await app.inject({ method: 'DELETE', url, headers: { ...owner.headers, 'if-match': String(createdTag) } })).statusCode, 412, 'the ETag from before the use is stale')

    const same = await app.inject({ method: 'GET', url, headers: { ...owner.headers, 'if-none-match': `"0", ${etag}` } })
    t.equal(same.statusCode, 304)
    t.equal(same.body, '', 'no body')
    t.equal(same.headers.etag, etag)
    t.notOk('content-type' in same.headers, 'no body headers')
    t.equal((await app.inject({ method: 'GET', url, headers: { ...owner.headers, 'if-none-match': '*' } })).statusCode, 304)

    // A roll shortens the old key (a write: new ETag) and answers with the new key's.
    const rolled = await app.inject({ method: 'POST', url: `${url}/roll`, headers: { ...owner.headers, ...json }, payload: { expires_in_hours: 1 } })
    t.equal(rolled.statusCode, 201)
    t.equal(rolled.headers.etag, '"1"', 'the new key\'s ETag')
    const successor = await app.inject({ method: 'GET', url: String(rolled.headers.location), headers: owner.headers })
    t.equal(successor.headers.etag, rolled.headers.etag, 'the same as its GET')
    const afterRoll = await app.inject({ method: 'GET', url, headers: { ...owner.headers, 'if-none-match': etag } })
    t.equal(afterRoll.statusCode, 200, 'the rolled key changed')
    t.not(afterRoll.headers.etag, etag)
    t.equal((await app.inject({ method: 'DELETE', url, headers: { ...owner.headers, 'if-match': etag } })).statusCode, 412, 'a revoke with the pre-roll ETag is refused')

    const weak = await app.inject({ method: 'DELETE', url, headers: { ...owner.headers, 'if-match': `W/${String(afterRoll.headers.etag)}` } })
    t.equal(weak.statusCode, 412, 'a weak tag never matches If-Match')
    const revoked = await app.inject({ method: 'DELETE', url, headers: { ...owner.headers, 'if-match': String(afterRoll.headers.etag) } })
    t.equal(revoked.statusCode, 204, 'the current ETag revokes')
    t.equal((await revokedAudit()).length, 1)
    const unconditional = await app.inject({ method: 'DELETE', url: String(rolled.headers.location), headers: owner.headers })
    t.equal(unconditional.statusCode, 204, 'without If-Match the revoke proceeds')
  })

  t.test('roll: an expired key is refused, a rolled key is not rolled twice, its successor is, with the full lifetime', async (t) => {
    const app = await buildTestApp(t)
    const owner = await createUser(app, 'customer')
    const roll = async (id: string, hours: number) =>
      await app.inject({ method: 'POST', url: `/api/api-keys/${id}/roll`, headers: { ...owner.headers, ...json }, payload: { expires_in_hours: hours } })
    const keyCount = async () => (await app.db.selectFrom('api_keys').select('id').execute()).length
    const lifetimeOf = (body: { created_at: string, expires_at: string }) => Date.parse(body.expires_at) - Date.parse(body.created_at)

    const stranger = await createUser(app, 'customer')
    const theirs = await createApiKey(app, stranger, ['products:read'])
    t.equal((await roll(theirs.id, 1)).statusCode, 404, 'someone else\'s key is not found')
    const admin = await createUser(app, 'admin')
    const keysBefore = await keyCount()
    const byAdmin = await app.inject({ method: 'POST', url: `/api/api-keys/${theirs.id}/roll`, headers: { ...admin.headers, ...json }, payload: { expires_in_hours: 0 } })
    t.equal(byAdmin.statusCode, 403, 'an admin does not roll another user\'s key: the new secret would act as them')
    t.match(byAdmin.json(), { code: 'FORBIDDEN', detail: /Revoke it/ })
    t.equal(await keyCount(), keysBefore, 'no key made')
    const untouched = await app.db.selectFrom('api_keys').select('rolled_at').where('id', '=', theirs.id).executeTakeFirstOrThrow()
    t.equal(untouched.rolled_at, null, 'and the old one not rolled')
    t.equal((await roll('not-a-uuid', 1)).statusCode, 400, 'an id that is no uuid')
    const expired = await createApiKey(app, owner, ['products:read'])
    await app.db.updateTable('api_keys').set({ expires_at: new Date(Date.now() - 1000) }).where('id', '=', expired.id).execute()
    const keys = await keyCount()
    const refused = await roll(expired.id, 1)
    t.equal(refused.statusCode, 409, 'an expired key is not rolled')
    t.match(refused.json(), { code: 'API_KEY_EXPIRED', type: '/problems/api-key-expired', detail: /expired at .*create a new one/ })
    t.equal((await app.inject({ method: 'GET', url: `/api/api-keys/${expired.id}`, headers: owner.headers })).statusCode, 200, 'it is still there to see')
    t.equal((await roll('00000000-0000-4000-8000-000000000000', 1)).statusCode, 404, 'an unknown key is not found')
    t.equal(await keyCount(), keys, 'no successor made')

    const first = await createApiKey(app, owner, ['products:read'], { expires_at: new Date(Date.now() + 30 * 24 * 3600_000).toISOString() })
    const firstBody = (await app.inject({ method: 'GET', url: `/api/api-keys/${first.id}`, headers: owner.headers })).json()
    const rolled = await roll(first.id, 1)
    t.equal(rolled.statusCode, 201)
    const again = await roll(first.id, 1)
    t.equal(again.statusCode, 409, 'a key in its overlap has its successor already')
    t.match(again.json(), { code: 'API_KEY_ALREADY_ROLLED', type: '/problems/api-key-already-rolled' })
    t.equal(await keyCount(), keys + 2, 'one successor only')

    const next = await roll(rolled.json().id, 0)
    t.equal(next.statusCode, 201, 'the successor rolls')
    t.ok(Math.abs(lifetimeOf(next.json()) - lifetimeOf(firstBody)) < 5000, 'with the original lifetime, not the overlap')
    const twice = await roll(rolled.json().id, 0)
    t.equal(twice.statusCode, 409, 'rolled with no overlap: expired at once, and its successor is the key to roll')
    t.equal(twice.json().code, 'API_KEY_ALREADY_ROLLED')
  })
})
