import { suite } from '../../helpers/suite.js'
import { buildTestApp } from '../../helpers/app.js'
import { createUser } from '../../helpers/users.js'
import { canonicalJson, requestHash } from '../../../lib/idempotency/claims.js'

export default suite(import.meta, (t) => {
  t.test('canonical JSON and request hashes ignore key order only', async (t) => {
    t.equal(canonicalJson({ b: 1, a: [{ y: 2, x: 1 }], c: undefined }), '{"a":[{"x":1,"y":2}],"b":1}')
    t.equal(requestHash({ a: 1, b: 2 }), requestHash({ b: 2, a: 1 }))
    t.not(requestHash({ items: [1, 2] }), requestHash({ items: [2, 1] }), 'line order is part of the request')
    t.not(requestHash({ a: 1 }), requestHash({ a: '1' }))
  })

  t.test('a key locked by another transaction (e.g. another replica) -> 409 IDEMPOTENCY_KEY_IN_USE', async (t) => {
    // PGlite has a single session: no second transaction can hold the key, so fake the lock result
    // (test/routes/orders/idempotency.test.ts holds it from a second replica on Postgres).
    const real = await import('../../../lib/idempotency/repository.js')
    const { claimKey } = await t.mockImport<typeof import('../../../lib/idempotency/claims.js')>('../../../lib/idempotency/claims.js', {
      '../../../lib/idempotency/repository.js': { ...real, tryLockKey: async () => false }
    })
    const app = await buildTestApp(t)
    const user = await createUser(app, 'customer')
    await t.rejects(app.db.transaction().execute(async (trx) => await claimKey(trx, { userId: user.id, key: 'busy', requestHash: 'h' })),
      { statusCode: 409, code: 'IDEMPOTENCY_KEY_IN_USE', headers: { 'retry-after': '1' } })
  })
})
