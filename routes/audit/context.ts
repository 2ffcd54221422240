import type { FastifyRequest } from 'fastify'
import type { AuditContext } from './record.js'

/**
 * Who is behind a request, for its audit rows: the authenticated principal (request.user, set
 * by the admission step of /api) and the request id. The one place that maps a principal to
 * an actor: a request authenticated by an API key is `{ type: 'api_key', id: <key id> }`.
 */
export function auditContext (request: FastifyRequest): AuditContext {
  const { id, apiKeyId } = request.user
  return { actor: apiKeyId !== undefined ? { type: 'api_key', id: apiKeyId } : { type: 'user', id }, requestId: request.id }
}
