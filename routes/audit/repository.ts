import { sql, type Selectable } from 'kysely'
import type { AuditEventsTable, Db } from '../../db/database.js'
import { isoTimestamp } from '../../db/sql-timestamps.js'
import type { FeedPosition } from '../../lib/http/feed-cursor.js'

/** A listed audit row: `at` as the API's ISO text. */
export type AuditEventRecord = Omit<Selectable<AuditEventsTable>, 'at'> & { at_iso: string }

export interface AuditEventFilter {
  resourceType?: string | undefined
  resourceId?: string | undefined
  actorId?: string | undefined
}

const COLUMNS = ['id', 'actor_type', 'actor_id', 'action', 'resource_type', 'resource_id', 'changes', 'request_id'] as const

/**
 * Up to `limit` events in (xid, seq) order after `after`, only from transactions that had all
 * ended when this statement's snapshot was taken (as routes/events/repository.ts reads the
 * outbox), so a change committed late never lands behind a cursor already handed out. Each
 * filter has its index (migration 0009).
 */
export async function listAuditEvents (db: Db, filter: AuditEventFilter, after: FeedPosition | null, limit: number): Promise<AuditEventRecord[]> {
  let query = db.selectFrom('audit_events')
    .select(COLUMNS)
    .select([isoTimestamp('at').as('at_iso'), sql<string>`xid::text`.as('xid'), sql<string>`seq::text`.as('seq')])
    .where(sql<boolean>`xid < pg_snapshot_xmin(pg_current_snapshot())`)
  if (filter.resourceType !== undefined) query = query.where('resource_type', '=', filter.resourceType)
  if (filter.resourceId !== undefined) query = query.where('resource_id', '=', filter.resourceId)
  if (filter.actorId !== undefined) query = query.where('actor_id', '=', filter.actorId)
  if (after !== null) query = query.where(sql<boolean>`(xid, seq) > (cast(${after.xid} as xid8), cast(${after.seq} as bigint))`)
  // The table's columns, not the text the select turns them into.
  return await query.orderBy('audit_events.xid').orderBy('audit_events.seq').limit(limit).execute()
}
