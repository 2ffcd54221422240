import { suite } from '../../helpers/suite.js'
import { setTimeout as sleep } from 'node:timers/promises'
import type { FastifyInstance } from 'fastify'
import { buildTestApp } from '../../helpers/app.js'
import { createUser } from '../../helpers/users.js'
import { schedulePurge } from '../../../lib/idempotency/jobs.js'
import { insertKey, purgeExpiredKeys } from '../../../lib/idempotency/repository.js'

export default suite(import.meta, (t) => {
  const expireKeys = async (app: FastifyInstance, keys: string[]): Promise<void> => {
    await app.db.updateTable('idempotency_keys').set({ expires_at: new Date(Date.now() - 1000) }).where('key', 'in', keys).execute()
  }
  const storedKeys = async (app: FastifyInstance): Promise<string[]> =>
    (await app.db.selectFrom('idempotency_keys').select('key').orderBy('key').execute()).map((r) => r.key)

  t.test('expired keys are purged, on demand and by the background timer', async (t) => {
    const app = await buildTestApp(t)
    const user = await createUser(app, 'customer')
    for (const key of ['a', 'b', 'c', 'd']) {
      await insertKey(app.db, { userId: user.id, key, requestHash: 'h', status: 201, body: { key }, ttlSeconds: 60 })
    }
    await expireKeys(app, ['a', 'b'])
    t.equal(await purgeExpiredKeys(app.db), 2)
    t.same(await storedKeys(app), ['c', 'd'])
    t.equal(await purgeExpiredKeys(app.db), 0)

    await expireKeys(app, ['c'])
    const purge = schedulePurge(app.db, app.log, 20)
    for (let i = 0; i < 400 && (await storedKeys(app)).length > 1; i++) await sleep(25)
    await purge.stop()
    t.same(await storedKeys(app), ['d'], 'the timer purged the expired key only')
  })
})
