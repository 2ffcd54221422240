import type { Db } from '../../db/database.js'
import { decodeSortCursor, pageBySort, type SortOrder } from '../../lib/http/keyset.js'
import type { AuditEventBody, ListAuditEventsInput } from '../../schemas/audit.js'
import { presentAuditEvent } from './presenter.js'
import { listAuditEvents } from './repository.js'

const DEFAULT_LIMIT = 20
const BY_AT: SortOrder<'at'> = { name: 'at', column: 'at', kind: 'timestamp', descending: false }
/** The query parameter of the cursor (SPEC §8: `?after=`). */
export const CURSOR_PARAM = 'after'

/** One page of the audit log, oldest first; filters combine (AND). */
export async function listAuditEventPage (db: Db, query: ListAuditEventsInput): Promise<{ data: AuditEventBody[], nextCursor: string | null }> {
  const limit = query.limit ?? DEFAULT_LIMIT
  const after = decodeSortCursor(query.after, BY_AT, CURSOR_PARAM)
  const filter = { resourceType: query.resource_type, resourceId: query.resource_id, actorId: query.actor_id }
  const rows = await listAuditEvents(db, filter, after, limit + 1)
  const { page, nextCursor } = pageBySort(rows, limit, BY_AT, (row) => row.at_key)
  return { data: page.map(presentAuditEvent), nextCursor }
}
