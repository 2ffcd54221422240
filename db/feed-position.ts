import { sql, type RawBuilder } from 'kysely'
import type { FeedPosition } from '../lib/http/feed-cursor.js'

/**
 * The rule both feeds read by (the events feed, the audit log; migrations 0005 and 0009): rows in
 * (xid, seq) order, and only those of transactions that had all ended when the statement's
 * snapshot was taken (xid below its xmin). A transaction still running, even one that started
 * before rows already handed out, has an xid at or above xmin, so its rows come later, after any
 * position given out now, whatever order the writers commit in and without a lock among them.
 */
export const writtenByEndedTransactions: RawBuilder<boolean> = sql<boolean>`xid < pg_snapshot_xmin(pg_current_snapshot())`

/** The rows after `position` in (xid, seq) order. */
export const afterFeedPosition = (position: FeedPosition): RawBuilder<boolean> =>
  sql<boolean>`(xid, seq) > (cast(${position.xid} as xid8), cast(${position.seq} as bigint))`
