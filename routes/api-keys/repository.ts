import { sql, type Selectable } from 'kysely'
import type { ApiKeysTable, Db } from '../../db/database.js'

/** A key as the management routes see it: never its hash. */
export type ApiKeyRecord = Omit<Selectable<ApiKeysTable>, 'key_hash'>

export interface Keyset { createdAt: Date, id: string }

const COLUMNS = ['id', 'user_id', 'name', 'prefix', 'scopes', 'created_at', 'expires_at', 'revoked_at', 'last_used_at', 'rolled_at', 'version'] as const
const nowMs = sql<Date>`date_trunc('milliseconds', now())`

export async function insertKey (db: Db, values: { user_id: string, name: string, prefix: string, key_hash: string, scopes: string[], expires_at: Date }): Promise<ApiKeyRecord> {
  return await db.insertInto('api_keys').values({ ...values, created_at: nowMs }).returning(COLUMNS).executeTakeFirstOrThrow()
}

/** A key that is not revoked; `ownerId` restricts it to that user's keys; `lock` takes its row lock. */
export async function findKey (db: Db, id: string, ownerId: string | null, lock = false): Promise<(ApiKeyRecord & { key_hash: string }) | undefined> {
  let query = db.selectFrom('api_keys').select([...COLUMNS, 'key_hash']).where('id', '=', id).where('revoked_at', 'is', null)
  if (ownerId !== null) query = query.where('user_id', '=', ownerId)
  return await (lock ? query.forUpdate() : query).executeTakeFirst()
}

export async function listKeys (db: Db, filter: { userId: string | null, after: Keyset | null }, limit: number): Promise<ApiKeyRecord[]> {
  let query = db.selectFrom('api_keys').select(COLUMNS).where('revoked_at', 'is', null)
  if (filter.userId !== null) query = query.where('user_id', '=', filter.userId)
  const after = filter.after
  if (after !== null) query = query.where((eb) => eb(eb.refTuple('created_at', 'id'), '>', eb.tuple(after.createdAt, after.id)))
  return await query.orderBy('created_at').orderBy('id').limit(limit).execute()
}

export async function revokeKey (db: Db, id: string): Promise<ApiKeyRecord> {
  return await db.updateTable('api_keys').set({ revoked_at: nowMs }).where('id', '=', id).returning(COLUMNS).executeTakeFirstOrThrow()
}

/** Ends the key's life at `expiresAt`, unless it ends earlier anyway. */
export async function shortenKey (db: Db, id: string, expiresAt: Date): Promise<ApiKeyRecord> {
  return await db.updateTable('api_keys')
    .set({ expires_at: sql<Date>`least(expires_at, ${expiresAt})`, rolled_at: nowMs })
    .where('id', '=', id)
    .returning(COLUMNS)
    .executeTakeFirstOrThrow()
}
