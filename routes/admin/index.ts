import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { LogLevel, LogLevelUpdate } from '../../schemas/admin.js'
import { documented, IdParams, PreconditionHeaders, problemResponses, ResponseHeaders } from '../../schemas/common.js'
import { RoleUpdate, User } from '../../schemas/users.js'
import { toUserBody } from '../../lib/users/presenter.js'
import { preconditions, setEtag } from '../../lib/http/etag.js'
import * as service from './service.js'
import { ADMIN_ONLY } from '../../plugins/app/auth.js'
import { auditContext } from '../audit/context.js'
import { ADMIN_PROBLEMS } from './problems.js'
import { CUSTOMER_PROBLEMS } from '../customers/problems.js'

/** Admin-only routes under /api (authentication comes from routes/api.ts). */
const adminRoutes: FastifyPluginAsyncTypebox = async (fastify) => {
  fastify.put('/users/:id/role', {
    config: { access: ADMIN_ONLY },
    schema: {
      tags: ['admin'],
      operationId: 'updateUserRole',
      summary: 'Change the role of a user',
      description: 'Admin only. Honours If-Match (ETag of the user). A user becoming a customer gets a customer profile if it has none. Admins cannot demote themselves (409 CANNOT_DEMOTE_SELF), and a caller demoted while its request ran is refused (403 FORBIDDEN), so two admins demoting each other at once leave one. The new role applies to the user\'s next request on every replica (within 1 s), access tokens already issued included; the next refresh issues tokens with the new role claim.',
      security: [{ bearerAuth: [] }],
      params: IdParams,
      headers: PreconditionHeaders,
      body: RoleUpdate,
      response: { 200: documented(User, { description: 'The user with its new role', headers: { etag: ResponseHeaders.etag } }), ...problemResponses(ADMIN_PROBLEMS.USER_NOT_FOUND, ADMIN_PROBLEMS.CANNOT_DEMOTE_SELF, CUSTOMER_PROBLEMS.CUSTOMER_EMAIL_TAKEN) }
    }
  }, async (request, reply) => {
    const user = await service.changeRole(fastify.db, {
      actorId: request.user.id,
      userId: request.params.id,
      role: request.body.role,
      precondition: preconditions(request),
      audit: auditContext(request)
    })
    fastify.liveAccounts.forget(user.id)
    request.log.warn({ event: 'role_changed', user_id: user.id, role: user.role, by: request.user.id }, 'user role changed')
    setEtag(reply, user)
    return toUserBody(user)
  })

  fastify.put('/admin/log-level', {
    config: { access: ADMIN_ONLY },
    schema: {
      tags: ['admin'],
      operationId: 'updateLogLevel',
      summary: 'Change the log level at run time',
      description: 'Admin only. Applies to the replica that serves the request, until it restarts (LOG_LEVEL is the start value).',
      security: [{ bearerAuth: [] }],
      body: LogLevelUpdate,
      response: { 200: documented(LogLevel, { description: 'The level now in effect on the replica that answered' }) }
    }
  }, async (request) => {
    const { level } = request.body
    const previous = fastify.log.level
    fastify.log.level = level
    request.log.warn({ event: 'log_level_changed', from: previous, to: level, by: request.user.id }, 'log level changed')
    return { level }
  })
}

export default adminRoutes
