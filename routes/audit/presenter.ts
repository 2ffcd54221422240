import type { AuditEventBody, AuditResourceTypeValue } from '../../schemas/audit.js'
import type { AuditEventRecord } from './repository.js'

const RESOURCE_TYPES: ReadonlySet<string> = new Set<AuditResourceTypeValue>(['product', 'customer', 'order', 'user', 'webhook_endpoint', 'api_key'])
const isResourceType = (type: string): type is AuditResourceTypeValue => RESOURCE_TYPES.has(type)

export function presentAuditEvent (row: AuditEventRecord): AuditEventBody {
  // The log only ever holds the resource types routes/audit/record.ts writes.
  if (!isResourceType(row.resource_type)) throw new Error(`unknown resource type in the audit log: ${row.resource_type}`)
  return {
    id: row.id,
    at: row.at_iso,
    actor: { type: row.actor_type, id: row.actor_id },
    action: row.action,
    resource: { type: row.resource_type, id: row.resource_id },
    changes: row.changes,
    request_id: row.request_id
  }
}
