import type { Db } from '../../db/database.js'
import { AppError } from '../../lib/app-error.js'
import { assertStrongPassword } from './password-policy.js'
import { hashPassword } from './passwords.js'
import { revokeUserTokens } from './token-repository.js'
import { insertAdminIfAbsent, promoteToAdmin } from '../../lib/users/repository.js'

export type BootstrapOutcome = 'created' | 'promoted' | 'unchanged'

/**
 * Ensures ADMIN_EMAIL is an admin account. Safe with replicas starting together: the
 * insert is ON CONFLICT DO NOTHING and the promotion is conditional, so one of them acts.
 * An existing admin is left alone (its password is not reset on every start). An existing
 * non-admin account with that email (e.g. someone registered it first) is taken over:
 * promoted, given ADMIN_PASSWORD and logged out everywhere, so only the operator gets in.
 * ADMIN_PASSWORD obeys the password policy like any other: a weak one stops the start.
 */
export async function ensureAdmin (db: Db, admin: { email: string, password: string }): Promise<BootstrapOutcome> {
  try {
    await assertStrongPassword(admin.password, admin.email)
  } catch (error) {
    if (error instanceof AppError) throw new Error(`ADMIN_PASSWORD is refused (${error.code}): ${error.message}`)
    throw error
  }
  const passwordHash = await hashPassword(admin.password)
  return await db.transaction().execute(async (trx) => {
    if (await insertAdminIfAbsent(trx, admin.email, passwordHash) !== undefined) return 'created'
    const promotedId = await promoteToAdmin(trx, admin.email, passwordHash)
    if (promotedId === undefined) return 'unchanged'
    await revokeUserTokens(trx, promotedId)
    return 'promoted'
  })
}
