import type { FastifyRequest } from 'fastify'
import type { AuditContext } from './record.js'

/**
 * Who is behind a request, for its audit rows: the authenticated principal (request.user, set
 * by the authenticate hook of /api) and the request id. The one place that maps a principal to
 * an actor: when API keys authenticate requests, a key-authenticated principal maps here to
 * `{ type: 'api_key', id: <key id> }`.
 */
export function auditContext (request: FastifyRequest): AuditContext {
  return { actor: { type: 'user', id: request.user.id }, requestId: request.id }
}
