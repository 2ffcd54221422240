import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { documented, problemResponses, ResponseHeaders } from '../../schemas/common.js'
import { HTTP_PROBLEMS } from '../../lib/problems/http.js'
import { AuditEventPage, ListAuditEventsQuery } from '../../schemas/audit.js'
import { setNextLink } from '../../lib/http/pagination.js'
import { CURSOR_PARAM, listAuditEventPage } from './service.js'
import { ADMIN_ONLY } from '../../plugins/app/auth.js'

const AuditEventPageResponse = documented(AuditEventPage, { description: 'One page of audit events', headers: { link: ResponseHeaders.link('audit-events', CURSOR_PARAM) } })

/** /api/audit-events: the audit log (SPEC §8), read-only; written by routes/audit/record.ts. */
const auditRoutes: FastifyPluginAsyncTypebox = async (fastify) => {
  fastify.get('/', {
    config: { access: ADMIN_ONLY, scopes: ['audit:read'] },
    schema: {
      tags: ['audit'],
      operationId: 'listAuditEvents',
      summary: 'List audit events (admin)',
      description: 'Every change made through the API (products, customers, order creation and status, roles, webhook endpoints), ' +
        'oldest transaction first, each with its actor, the fields it changed as [before, after] and the request id; secrets never appear. ' +
        'Filter by resource_type, resource_id and actor_id (combined with AND); page with ?after=<next_cursor>. ' +
        'A change is listed once every transaction of this database older than its own has ended, so a cursor never skips one that committed late. ' +
        'Events are kept AUDIT_RETENTION_DAYS (default 365).',
      querystring: ListAuditEventsQuery,
      response: { 200: AuditEventPageResponse, ...problemResponses(HTTP_PROBLEMS.INVALID_CURSOR) },
      security: [{ bearerAuth: [] }]
    }
  }, async (request, reply) => {
    const { data, nextCursor } = await listAuditEventPage(fastify.db, request.query)
    setNextLink(request, reply, nextCursor, CURSOR_PARAM)
    return { data, next_cursor: nextCursor }
  })
}

export default auditRoutes
