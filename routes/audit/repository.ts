import { sql, type Selectable } from 'kysely'
import type { AuditEventsTable, Db } from '../../db/database.js'
import { isoTimestamp } from '../../db/sql-timestamps.js'
import type { FeedPosition } from '../../lib/http/feed-cursor.js'
import { afterFeedPosition, writtenByEndedTransactions } from '../../db/feed-position.js'

/** A listed audit row: `at` as the API's ISO text. */
export type AuditEventRecord = Omit<Selectable<AuditEventsTable>, 'at'> & { at_iso: string }

export interface AuditEventFilter {
  resourceType?: string | undefined
  resourceId?: string | undefined
  actorId?: string | undefined
}

const COLUMNS = ['id', 'actor_type', 'actor_id', 'action', 'resource_type', 'resource_id', 'changes', 'request_id'] as const

/**
 * Up to `limit` events after `after`, by the feeds' rule (db/feed-position.ts), so a change
 * committed late never lands behind a cursor already handed out. Each filter has its index
 * (migration 0009).
 */
export async function listAuditEvents (db: Db, filter: AuditEventFilter, after: FeedPosition | null, limit: number): Promise<AuditEventRecord[]> {
  let query = db.selectFrom('audit_events')
    .select(COLUMNS)
    .select([isoTimestamp('at').as('at_iso'), sql<string>`xid::text`.as('xid'), sql<string>`seq::text`.as('seq')])
    .where(writtenByEndedTransactions)
  if (filter.resourceType !== undefined) query = query.where('resource_type', '=', filter.resourceType)
  if (filter.resourceId !== undefined) query = query.where('resource_id', '=', filter.resourceId)
  if (filter.actorId !== undefined) query = query.where('actor_id', '=', filter.actorId)
  if (after !== null) query = query.where(afterFeedPosition(after))
  // The table's columns, not the text the select turns them into.
  return await query.orderBy('audit_events.xid').orderBy('audit_events.seq').limit(limit).execute()
}
