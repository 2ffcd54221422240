import type { Role } from '../db/database.js'

/**
 * The API-key scopes of SPEC §7. Routes name the scopes that let a key call them in their
 * config (`config: { scopes: ['events:read'] }`); the admission step (plugins/app/auth.ts)
 * refuses a key without one of them. A route without `scopes` takes user access tokens only.
 */
export const API_SCOPES = [
  'products:read', 'products:write',
  'customers:read', 'customers:write',
  'orders:read', 'orders:write',
  'events:read', 'webhooks:manage', 'audit:read'
] as const

export type ApiScope = typeof API_SCOPES[number]

/**
 * The scopes each role may put on a key: those of the routes the role may call (customers
 * read the catalog and their own profile and orders; staff also write the catalog and read
 * the events feed; admins everything). A key is limited to its owner's current role's set
 * at every request, so a demotion takes rights away from existing keys too.
 */
export const ROLE_SCOPES: Readonly<Record<Role, ReadonlySet<ApiScope>>> = {
  customer: new Set<ApiScope>(['products:read', 'customers:read', 'customers:write', 'orders:read', 'orders:write']),
  staff: new Set<ApiScope>(['products:read', 'products:write', 'customers:read', 'customers:write', 'orders:read', 'orders:write', 'events:read']),
  admin: new Set<ApiScope>(API_SCOPES)
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The API-key scopes that let a key call this route (any one of them suffices); empty: any valid key (no scope needed, e.g. /auth/me); absent: user tokens only. */
    scopes?: readonly ApiScope[]
  }
}
