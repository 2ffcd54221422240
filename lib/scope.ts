import type { Role } from '../db/database.js'

/** Who calls a service: the account and its role now (an authenticated request's user is one). */
export interface Caller {
  id: string
  role: Role
}

/**
 * Which rows a caller may see, in every domain: all of them (staff, admin), or only those of
 * the customer profile its account owns.
 */
export type Scope = { kind: 'all' } | { kind: 'own', userId: string }

export const scopeOf = (caller: Caller): Scope =>
  caller.role === 'customer' ? { kind: 'own', userId: caller.id } : { kind: 'all' }
