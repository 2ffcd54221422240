import type { Kysely } from 'kysely'
import type { Database } from '../../db/database.js'
import { hashPassword } from './passwords.js'
import { revokeUserTokens } from './token-repository.js'
import { insertAdminIfAbsent, promoteToAdmin } from './user-repository.js'

export type BootstrapOutcome = 'created' | 'promoted' | 'unchanged'

/**
 * Ensures ADMIN_EMAIL is an admin account. Safe with replicas starting together: the
 * insert is ON CONFLICT DO NOTHING and the promotion is conditional, so one of them acts.
 * An existing admin is left alone (its password is not reset on every start). An existing
 * non-admin account with that email (e.g. someone registered it first) is taken over:
 * promoted, given ADMIN_PASSWORD and logged out everywhere, so only the operator gets in.
 */
export async function ensureAdmin (db: Kysely<Database>, admin: { email: string, password: string }): Promise<BootstrapOutcome> {
  const passwordHash = await hashPassword(admin.password)
  return await db.transaction().execute(async (trx) => {
    if (await insertAdminIfAbsent(trx, admin.email, passwordHash) !== undefined) return 'created'
    const promotedId = await promoteToAdmin(trx, admin.email, passwordHash)
    if (promotedId === undefined) return 'unchanged'
    await revokeUserTokens(trx, promotedId)
    return 'promoted'
  })
}
