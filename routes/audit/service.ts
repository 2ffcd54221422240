import type { Db } from '../../db/database.js'
import { decodeFeedCursor, encodeFeedCursor } from '../../lib/http/feed-cursor.js'
import type { AuditEventBody, ListAuditEventsInput } from '../../schemas/audit.js'
import { presentAuditEvent } from './presenter.js'
import { listAuditEvents } from './repository.js'

const DEFAULT_LIMIT = 20
/** The query parameter of the cursor (SPEC §8: `?after=`). */
export const CURSOR_PARAM = 'after'

/** One page of the audit log, oldest transaction first; filters combine (AND). next_cursor is null on the last page. */
export async function listAuditEventPage (db: Db, query: ListAuditEventsInput): Promise<{ data: AuditEventBody[], nextCursor: string | null }> {
  const limit = query.limit ?? DEFAULT_LIMIT
  const after = decodeFeedCursor(query.after)
  const filter = { resourceType: query.resource_type, resourceId: query.resource_id, actorId: query.actor_id }
  const rows = await listAuditEvents(db, filter, after, limit + 1)
  const page = rows.slice(0, limit)
  const last = page.at(-1)
  const nextCursor = rows.length > limit && last !== undefined
    ? encodeFeedCursor({ xid: last.xid, seq: last.seq, createdAt: new Date(last.at_iso) })
    : null
  return { data: page.map(presentAuditEvent), nextCursor }
}
