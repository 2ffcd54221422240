/**
 * The API-key scopes of SPEC §7. Routes name the scope they need in their config
 * (`config: { scopes: ['events:read'] }`) so the API-key check can be attached to every route
 * in one hook later; until then the routes' role checks apply.
 */
export type ApiScope =
  | 'products:read' | 'products:write'
  | 'customers:read' | 'customers:write'
  | 'orders:read' | 'orders:write'
  | 'events:read' | 'webhooks:manage' | 'audit:read'

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The API-key scopes this route needs (any one of them suffices). */
    scopes?: readonly ApiScope[]
  }
}
