import { sql } from 'kysely'
import type { Db } from '../../db/database.js'

export interface NewRefreshToken {
  userId: string
  familyId: string
  tokenHash: string
  ttlSeconds: number
}

export async function insertRefreshToken (db: Db, token: NewRefreshToken): Promise<void> {
  await db.insertInto('refresh_tokens')
    .values({
      user_id: token.userId,
      family_id: token.familyId,
      token_hash: token.tokenHash,
      expires_at: sql<Date>`now() + make_interval(secs => ${token.ttlSeconds})`
    })
    .execute()
}

/**
 * Marks a live token used, in one conditional statement: of concurrent callers exactly
 * one gets the row back; the others wait on its row lock and then match nothing.
 */
export async function consumeRefreshToken (db: Db, tokenHash: string): Promise<{ user_id: string, family_id: string } | undefined> {
  return await db.updateTable('refresh_tokens')
    .set({ used_at: sql`now()` })
    .where('token_hash', '=', tokenHash)
    .where('used_at', 'is', null)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', sql<Date>`now()`)
    .returning(['user_id', 'family_id'])
    .executeTakeFirst()
}

export async function findRefreshToken (db: Db, tokenHash: string): Promise<{ family_id: string, used_at: Date | null, revoked_at: Date | null } | undefined> {
  return await db.selectFrom('refresh_tokens')
    .select(['family_id', 'used_at', 'revoked_at'])
    .where('token_hash', '=', tokenHash)
    .executeTakeFirst()
}

export async function revokeFamily (db: Db, familyId: string): Promise<void> {
  await db.updateTable('refresh_tokens')
    .set({ revoked_at: sql`now()` })
    .where('family_id', '=', familyId)
    .where('revoked_at', 'is', null)
    .execute()
}

/** Revokes the family the token belongs to, if the token is known; one statement. */
export async function revokeFamilyOfToken (db: Db, tokenHash: string): Promise<void> {
  await db.updateTable('refresh_tokens')
    .set({ revoked_at: sql`now()` })
    .where('family_id', 'in', (eb) => eb.selectFrom('refresh_tokens').select('family_id').where('token_hash', '=', tokenHash))
    .where('revoked_at', 'is', null)
    .execute()
}

export async function revokeUserTokens (db: Db, userId: string): Promise<void> {
  await db.updateTable('refresh_tokens')
    .set({ revoked_at: sql`now()` })
    .where('user_id', '=', userId)
    .where('revoked_at', 'is', null)
    .execute()
}
