import type { Selectable } from 'kysely'
import type { AuditEventsTable, Db } from '../../db/database.js'
import { isoTimestamp, preciseTimestamp } from '../../db/sql-timestamps.js'
import { timestampValue } from '../../db/keyset-values.js'
import type { KeysetPosition } from '../../lib/http/keyset.js'

/** A listed audit row: `at` as the API's ISO text, plus the microsecond cursor key. */
export type AuditEventRecord = Omit<Selectable<AuditEventsTable>, 'at'> & { at_iso: string, at_key: string }

export interface AuditEventFilter {
  resourceType?: string | undefined
  resourceId?: string | undefined
  actorId?: string | undefined
}

const COLUMNS = ['id', 'actor_type', 'actor_id', 'action', 'resource_type', 'resource_id', 'changes', 'request_id'] as const

/** Up to `limit` events in (at, id) order after the keyset position; each filter has its index (migration 0004). */
export async function listAuditEvents (db: Db, filter: AuditEventFilter, after: KeysetPosition | null, limit: number): Promise<AuditEventRecord[]> {
  let query = db.selectFrom('audit_events')
    .select(COLUMNS)
    .select(isoTimestamp('at').as('at_iso'))
    .select(preciseTimestamp('at').as('at_key'))
  if (filter.resourceType !== undefined) query = query.where('resource_type', '=', filter.resourceType)
  if (filter.resourceId !== undefined) query = query.where('resource_id', '=', filter.resourceId)
  if (filter.actorId !== undefined) query = query.where('actor_id', '=', filter.actorId)
  if (after !== null) {
    query = query.where((eb) => eb(eb.refTuple('at', 'id'), '>', eb.tuple(timestampValue(after.value), after.id)))
  }
  return await query.orderBy('at').orderBy('id').limit(limit).execute()
}
