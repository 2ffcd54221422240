import { suite } from '../../helpers/suite.js'
import { generateApiKey, hashApiKey } from '../../../lib/api-keys/format.js'
import { presentedKey } from '../../../lib/api-keys/presented-key.js'
import { ApiKeyAdmission } from '../../../lib/api-keys/admission.js'
import { LiveApiKeys } from '../../../lib/api-keys/live-keys.js'
import { LiveAccounts } from '../../../lib/live-accounts.js'
import { ApiKeyBuckets } from '../../../lib/rate-limit/api-key-buckets.js'
import { buildTestApp } from '../../helpers/app.js'
import { createApiKey } from '../../helpers/api-keys.js'
import { createUser } from '../../helpers/users.js'

/** The same key with one character of its body changed: right shape, wrong checksum. */
const flip = (key: string): string => key.slice(0, 20) + (key[20] === 'a' ? 'b' : 'a') + key.slice(21)

export default suite(import.meta, (t) => {
  t.test('what a request presents: nothing, a token, a misshapen key, a key', async (t) => {
    t.equal(presentedKey({ headers: {} }), null, 'no Authorization header')
    t.equal(presentedKey({ headers: { authorization: 'Bearer eyJhbGciOiJIUzI1NiJ9.e30.x' } }), null, 'an access token')
    t.equal(presentedKey({ headers: { authorization: 'Basic Z3NrXzE6Mg==' } }), null, 'another scheme')
    const good = generateApiKey()
    for (const [what, key] of [['the bare tag', 'gsk_'], ['a truncated key', good.slice(0, -1)], ['a key too long', `${good}0`], ['a bad character', `${good.slice(0, 30)}-${good.slice(31)}`]]) {
      t.same(presentedKey({ headers: { authorization: `Bearer ${key}` } }), { key, hash: null }, `${what}: no hash, nothing to look up`)
    }
    t.same(presentedKey({ headers: { authorization: `Bearer ${flip(good)}` } }), { key: flip(good), hash: hashApiKey(flip(good)) }, 'a wrong checksum has a key\'s shape: hashed (admission checks the checksum before any read)')
    t.same(presentedKey({ headers: { authorization: `bearer ${good}` } }), { key: good, hash: hashApiKey(good) }, 'the scheme in any case (RFC 9110 §11.1)')
    t.equal(presentedKey({ headers: { authorization: `Bearer\t${good}` } }), null, 'one space after the scheme, as @fastify/jwt requires of a token')
    t.equal(presentedKey({ headers: { authorization: `Bearer ${good.toUpperCase()}` } }), null, 'the tag itself is case-sensitive')
    const request = { headers: { authorization: `Bearer ${good}` } }
    const first = presentedKey(request)
    t.same(first, { key: good, hash: hashApiKey(good) }, 'a key and its SHA-256, as stored')
    t.equal(presentedKey(request), first, 'hashed once per request: the limiter and admission share it')
    t.not(presentedKey({ headers: { authorization: `Bearer ${good}` } }), first, 'per request, not per key: nothing outlives the request')
  })

  t.test('the checksum is skipped only for a hash this replica read from the database; a fresh cache answers synchronously', async (t) => {
    const app = await buildTestApp(t)
    const staff = await createUser(app, 'staff')
    const key = await createApiKey(app, staff, ['products:read'])
    let reads = 0
    const counted = app.db.withPlugin({
      transformQuery: ({ node }) => { reads++; return node },
      transformResult: async ({ result }) => result
    })
    // Caches that stay fresh for the whole test, so what is asserted never depends on the machine's speed.
    const admission = new ApiKeyAdmission(new LiveApiKeys(counted, 600_000), new LiveAccounts(counted, 600_000), new ApiKeyBuckets())
    const admit = (value: string) => admission.admit(presentedKey({ headers: { authorization: `Bearer ${value}` } }) ?? { key: value, hash: null }, ['products:read'])

    // A verdict either way: thrown (known without a read) or a rejected promise.
    const verdict = async (value: string) => await admit(value)
    await t.rejects(verdict(flip(key.key)), { code: 'API_KEY_INVALID', message: /malformed/ }, 'a wrong checksum, before the real key is known')
    t.throws(() => admit(key.key.slice(0, -1)), { code: 'API_KEY_INVALID', message: /malformed/ }, 'a misshapen key, without even a promise')
    t.equal(reads, 0, 'neither read the database')

    const first = admit(key.key)
    t.ok(first instanceof Promise, 'first use: a read')
    t.match(await first, { id: staff.id, apiKeyId: key.id, role: 'staff', scopes: ['products:read'] })
    const readsAfterFirst = reads
    t.ok(readsAfterFirst >= 2, 'the key and its owner\'s role were read')

    const second = admit(key.key)
    t.notOk(second instanceof Promise, 'while fresh: answered synchronously')
    t.match(second, { id: staff.id, apiKeyId: key.id, role: 'staff' })
    await t.rejects(verdict(flip(key.key)), { code: 'API_KEY_INVALID', message: /malformed/ }, 'a wrong checksum of the known key is still refused')
    t.equal(reads, readsAfterFirst, 'without any read')

    const stranger = generateApiKey()
    await t.rejects(verdict(stranger), { code: 'API_KEY_INVALID', message: /unknown/ }, 'a well-formed unknown key is read once')
    t.equal(reads, readsAfterFirst + 1)
    t.throws(() => admit(stranger), { code: 'API_KEY_INVALID', message: /unknown/ }, 'and then refused from the cache')
    t.equal(reads, readsAfterFirst + 1, 'without another read')
  })
})
