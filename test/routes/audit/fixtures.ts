import type { FastifyInstance } from 'fastify'
import type { TestUser } from '../../helpers/users.js'

export interface AuditRow {
  actor_type: string
  actor_id: string
  action: string
  resource_type: string
  resource_id: string
  changes: Record<string, [unknown, unknown]>
  request_id: string
}

/** Every audit row of one resource, oldest first, straight from the table. */
export async function auditRowsOf (app: FastifyInstance, resourceId: string): Promise<AuditRow[]> {
  return await app.db.selectFrom('audit_events')
    .select(['actor_type', 'actor_id', 'action', 'resource_type', 'resource_id', 'changes', 'request_id'])
    .where('resource_id', '=', resourceId)
    .orderBy('xid').orderBy('seq')
    .execute()
}

export async function auditRowCount (app: FastifyInstance): Promise<number> {
  const row = await app.db.selectFrom('audit_events').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()
  return Number(row.n)
}

/** A request as `user` with a request id of our choosing (so each row's request_id can be checked). */
export function caller (app: FastifyInstance, user: TestUser) {
  return async (method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, requestId: string, payload?: object) =>
    await app.inject({ method, url, headers: { ...user.headers, 'x-request-id': requestId }, ...(payload !== undefined ? { payload } : {}) })
}
