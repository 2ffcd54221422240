import { sql, type RawBuilder } from 'kysely'
import type { FeedPosition } from '../lib/http/feed-cursor.js'

/**
 * The feeds' horizon for a statement run now (the events feed, the audit log; migrations 0005
 * and 0009): the oldest transaction that was still running when the statement's snapshot was
 * taken and may belong to this database, or the snapshot's xmax when there is none. Every row
 * with an xid below it was written by a transaction that had ended, so it is final and visible;
 * every transaction that may still write rows here has an xid at or above it.
 *
 * xids are cluster-wide, so the snapshot's own xmin would also wait for transactions of other
 * databases, which never write here. A running transaction is left out only when
 * pg_stat_activity shows its backend in another database: it is read during the statement, after
 * the snapshot, so a transaction that ended in between, a prepared transaction or a backend with
 * no database is not found and counts (the horizon only errs low). pg_stat_activity shows every
 * backend's database and xid to every role, so this needs no grant.
 */
export const feedHorizon: RawBuilder<string> = sql<string>`(
  SELECT coalesce(min(running.xid), pg_snapshot_xmax(pg_current_snapshot()))
  FROM pg_snapshot_xip(pg_current_snapshot()) AS running(xid)
  WHERE NOT EXISTS (
    SELECT FROM pg_stat_activity AS backend
    WHERE backend.backend_xid = running.xid::xid AND backend.datname <> current_database()))`

/**
 * The rule both feeds read by: rows in (xid, seq) order, and only those below the horizon. A
 * transaction of this database still running, even one that started before rows already handed
 * out, has an xid at or above it, so its rows come later, after any position given out now,
 * whatever order the writers commit in and without a lock among them.
 */
export const writtenByEndedTransactions: RawBuilder<boolean> = sql<boolean>`xid < ${feedHorizon}`

/** The rows after `position` in (xid, seq) order. */
export const afterFeedPosition = (position: FeedPosition): RawBuilder<boolean> =>
  sql<boolean>`(xid, seq) > (cast(${position.xid} as xid8), cast(${position.seq} as bigint))`
