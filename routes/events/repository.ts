import { sql, type Selectable } from 'kysely'
import type { Db, WebhookEventsTable } from '../../db/database.js'
import type { FeedPosition } from '../../lib/http/feed-cursor.js'
import { afterFeedPosition, feedHorizon, writtenByEndedTransactions } from '../../db/feed-position.js'

export type EventRecord = Pick<Selectable<WebhookEventsTable>, 'id' | 'type' | 'data' | 'created_at' | 'xid' | 'seq'>

/**
 * The events after `after`, by the feeds' rule (db/feed-position.ts). Runs outside a transaction
 * so the reader holds no xid itself. Uses webhook_events_xid_seq_idx.
 */
export async function readEvents (db: Db, after: FeedPosition | null, types: readonly string[] | null, limit: number): Promise<EventRecord[]> {
  let query = db.selectFrom('webhook_events')
    .select(['id', 'type', 'data', 'created_at', sql<string>`xid::text`.as('xid'), sql<string>`seq::text`.as('seq')])
    .where(writtenByEndedTransactions)
  if (after !== null) query = query.where(afterFeedPosition(after))
  if (types !== null) query = query.where('type', 'in', types)
  // The table's columns, not the text the select turns them into: '10000' sorts before '9999'.
  return await query.orderBy('webhook_events.xid').orderBy('webhook_events.seq').limit(limit).execute()
}

/** The feeds' horizon for a statement run now (readEvents' bound, db/feed-position.ts). */
export async function visibleHorizon (db: Db): Promise<string> {
  const { rows } = await sql<{ horizon: string }>`SELECT ${feedHorizon}::text AS horizon`.execute(db)
  const horizon = rows[0]?.horizon
  if (horizon === undefined) throw new Error('the feed horizon query returned no row')
  return horizon
}

/** Deletes up to `batch` events older than `retentionDays` (their deliveries cascade); returns how many went. */
export async function purgeExpiredEvents (db: Db, retentionDays: number, batch: number): Promise<number> {
  const result = await db.deleteFrom('webhook_events')
    .where('id', 'in', (eb) => eb.selectFrom('webhook_events')
      .select('id')
      .where('created_at', '<', sql<Date>`now() - make_interval(days => ${retentionDays})`)
      .limit(batch))
    .executeTakeFirst()
  return Number(result.numDeletedRows)
}

/**
 * Seconds since the oldest transaction that holds the feeds back began (db/feed-position.ts): a
 * session of this database that has written and not ended, or a prepared transaction; 0 when
 * there is none. pg_stat_activity shows `xact_start` of other roles' sessions only to a role
 * with pg_read_all_stats, so without it those are not counted here (the feeds still wait for them).
 */
export async function feedHeldBackSeconds (db: Db): Promise<number> {
  const { rows } = await sql<{ seconds: number }>`SELECT greatest(0, coalesce(extract(epoch FROM now() - least(
      (SELECT min(xact_start) FROM pg_stat_activity WHERE datname = current_database() AND backend_xid IS NOT NULL),
      (SELECT min(prepared) FROM pg_prepared_xacts))), 0))::float8 AS seconds`.execute(db)
  return rows[0]?.seconds ?? 0
}
