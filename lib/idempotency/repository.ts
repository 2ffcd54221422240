import { sql } from 'kysely'
import type { Db } from '../../db/database.js'

export interface StoredKey {
  request_hash: string
  response_status: number
  response_body: unknown
  expired: boolean
}

/**
 * A transaction-scoped advisory lock on (user, key), two int4 hashes wide. It is
 * held until commit/rollback, across every replica sharing the database. Not
 * waiting (try) is the point: a second request with the same key while the first
 * runs is told so instead of queueing behind it.
 */
export async function tryLockKey (trx: Db, userId: string, key: string): Promise<boolean> {
  const row = await trx.selectNoFrom((eb) =>
    eb.fn<boolean>('pg_try_advisory_xact_lock', [
      eb.fn<number>('hashtext', [eb.val(userId)]),
      eb.fn<number>('hashtext', [eb.val(key)])
    ]).as('locked')
  ).executeTakeFirstOrThrow()
  return row.locked
}

export async function findKey (trx: Db, userId: string, key: string): Promise<StoredKey | undefined> {
  const row = await trx.selectFrom('idempotency_keys')
    .select((eb) => [
      'request_hash',
      'response_status',
      'response_body',
      eb('expires_at', '<=', eb.fn<Date>('now')).as('expired')
    ])
    .where('user_id', '=', userId)
    .where('key', '=', key)
    .executeTakeFirst()
  return row === undefined ? undefined : { ...row, expired: row.expired === true }
}

export async function deleteKey (trx: Db, userId: string, key: string): Promise<void> {
  await trx.deleteFrom('idempotency_keys').where('user_id', '=', userId).where('key', '=', key).execute()
}

export async function insertKey (trx: Db, entry: { userId: string, key: string, requestHash: string, status: number, body: unknown, ttlSeconds: number }): Promise<void> {
  await trx.insertInto('idempotency_keys')
    .values({
      user_id: entry.userId,
      key: entry.key,
      request_hash: entry.requestHash,
      response_status: entry.status,
      response_body: JSON.stringify(entry.body),
      expires_at: sql<Date>`now() + make_interval(secs => ${entry.ttlSeconds})`
    })
    .execute()
}

/** Deletes every expired key; returns how many went. */
export async function purgeExpiredKeys (db: Db): Promise<number> {
  const result = await db.deleteFrom('idempotency_keys').where('expires_at', '<=', (eb) => eb.fn<Date>('now')).executeTakeFirst()
  return Number(result.numDeletedRows)
}
