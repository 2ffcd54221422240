import type { Db, Role } from '../../db/database.js'
import { AppError, forbidden } from '../../lib/app-error.js'
import { isUniqueViolation } from '../../db/errors.js'
import { profileNames } from '../../lib/users/profile-names.js'
import { recordAudit, type AuditContext } from '../audit/record.js'
import { findUserProfile, insertCustomerProfile, lockUserRoles, updateRole, type UserProfileRow } from '../../lib/users/repository.js'
import { ADMIN_PROBLEMS } from './problems.js'
import { CUSTOMER_PROBLEMS } from '../customers/problems.js'
import type { Precondition } from '../../lib/http/etag.js'

export interface RoleChange {
  actorId: string
  userId: string
  role: Role
  precondition: Precondition
  audit: AuditContext
}

/**
 * Sets a user's role in one transaction on the locked user row. A user becoming a
 * customer gets a customer profile if it has none (every customer owns one). Admins
 * cannot demote themselves, and the caller must still be an admin when the change is made,
 * so the last admin cannot lock everyone out, by accident or in a race.
 * Authorization reads the current role (lib/live-accounts.ts), so tokens already
 * issued follow the change within a second; the next refresh signs the new role.
 */
export async function changeRole (db: Db, change: RoleChange): Promise<UserProfileRow> {
  try {
    return await db.transaction().execute(async (trx) => {
      // The caller's role was read when its request came in: two admins demoting each other at once
      // both passed that check. Locked with the target, it is read again here, and the second waits.
      const locked = await lockUserRoles(trx, [change.actorId, change.userId])
      if (locked.find((row) => row.id === change.actorId)?.role !== 'admin') throw forbidden('Your role changed while this request ran: only admins change roles')
      const current = await findUserProfile(trx, change.userId, true)
      if (current === undefined) throw new AppError(ADMIN_PROBLEMS.USER_NOT_FOUND, 'No user with this id')
      change.precondition(current)
      if (current.role === change.role) return current
      if (change.userId === change.actorId) throw new AppError(ADMIN_PROBLEMS.CANNOT_DEMOTE_SELF, 'Admins cannot change their own role; ask another admin')
      await updateRole(trx, change.userId, change.role)
      if (change.role === 'customer' && current.customer_id === null) {
        const profile = await insertCustomerProfile(trx, { userId: current.id, email: current.email, ...profileNames(current.email) })
        await recordAudit(trx, change.audit, { action: 'customer.created', resource: { type: 'customer', id: profile.id }, before: null, after: profile })
      }
      const updated = await findUserProfile(trx, change.userId)
      if (updated === undefined) throw new AppError(ADMIN_PROBLEMS.USER_NOT_FOUND, 'No user with this id')
      await recordAudit(trx, change.audit, { action: 'user.role_changed', resource: { type: 'user', id: updated.id }, before: current, after: updated })
      return updated
    })
  } catch (error) {
    if (isUniqueViolation(error, 'customers_email_key')) {
      throw new AppError(CUSTOMER_PROBLEMS.CUSTOMER_EMAIL_TAKEN, 'Another customer profile already uses this email; the account cannot become a customer')
    }
    throw error
  }
}
