// The api_keys reads of the request path (lib/api-keys/live-keys.ts); the management routes have theirs in routes/api-keys/.
import { sql } from 'kysely'
import type { Db } from '../../db/database.js'

export interface KeyCredential {
  id: string
  user_id: string
  scopes: string[]
  expires_at: Date
  last_used_at: Date | null
}

/** The key with this hash unless it is revoked (expiry is checked by the caller, against its own clock). */
export async function findUsableKey (db: Db, keyHash: string): Promise<KeyCredential | undefined> {
  return await db.selectFrom('api_keys')
    .select(['id', 'user_id', 'scopes', 'expires_at', 'last_used_at'])
    .where('key_hash', '=', keyHash)
    .where('revoked_at', 'is', null)
    .executeTakeFirst()
}

/** Sets last_used_at unless another request (on any replica) set it within the last `minIntervalSeconds`. */
export async function touchKey (db: Db, id: string, minIntervalSeconds: number): Promise<void> {
  await db.updateTable('api_keys')
    .set({ last_used_at: sql<Date>`date_trunc('milliseconds', now())` })
    .where('id', '=', id)
    .where((eb) => eb.or([
      eb('last_used_at', 'is', null),
      eb('last_used_at', '<', sql<Date>`now() - make_interval(secs => ${minIntervalSeconds})`)
    ]))
    .execute()
}
