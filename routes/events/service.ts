import { setTimeout as sleep } from 'node:timers/promises'
import type { Db } from '../../db/database.js'
import { AppError } from '../../lib/app-error.js'
import { EVENT_PROBLEMS } from './problems.js'
import type { EventPageBody, ListEventsInput } from '../../schemas/events.js'
import { presentEvent } from '../webhooks/presenter.js'
import { decodeFeedCursor, encodeFeedCursor, type FeedPosition } from '../../lib/http/feed-cursor.js'
import * as repo from './repository.js'

const DEFAULT_LIMIT = 100
const DAY_MS = 24 * 60 * 60 * 1000
/**
 * A page that ends the feed hands out a cursor that has seen everything up to its read, less
 * this: an event still invisible then belongs to a transaction already running, whose created_at
 * is its start, and no transaction of this API runs for an hour (db/connect.ts's timeouts).
 */
const CAUGHT_UP_MARGIN_MS = 60 * 60 * 1000
const PURGE_BATCH = 5000

export interface EventsContext {
  db: Db
  retentionDays: number
  /** How often a long poll looks again (one indexed read each time). */
  pollIntervalMs: number
}

function assertRetained (after: FeedPosition | null, retentionDays: number): void {
  if (after === null || after.createdAt.getTime() >= Date.now() - retentionDays * DAY_MS) return
  throw new AppError(EVENT_PROBLEMS.CURSOR_EXPIRED, `The cursor is older than the ${retentionDays} days events are kept; events after it may be gone. Start again without after (and reconcile from the lists).`)
}

/**
 * One page of the feed. With `wait`, an empty page is retried every pollIntervalMs until an
 * event comes, the wait is over or `signal` aborts (the client went away, the app is closing).
 */
export async function readEventPage (ctx: EventsContext, query: ListEventsInput, signal: AbortSignal): Promise<EventPageBody> {
  const after = decodeFeedCursor(query.after)
  const types = query.types ?? null
  assertRetained(after, ctx.retentionDays)
  const limit = query.limit ?? DEFAULT_LIMIT
  const deadline = Date.now() + (query.wait ?? 0) * 1000

  let readAt = Date.now()
  let start = await startOf(ctx.db, after, readAt)
  let rows = await repo.readEvents(ctx.db, after, types, limit + 1)
  while (rows.length === 0 && !signal.aborted && Date.now() < deadline) {
    try {
      await sleep(Math.min(ctx.pollIntervalMs, deadline - Date.now()), undefined, { signal })
    } catch {
      break
    }
    readAt = Date.now()
    start = await startOf(ctx.db, after, readAt)
    rows = await repo.readEvents(ctx.db, after, types, limit + 1)
  }

  const page = rows.slice(0, limit)
  const hasMore = rows.length > limit
  return { data: page.map(presentEvent), next_cursor: nextCursor(start, page.at(-1), hasMore ? null : readAt), has_more: hasMore }
}

/**
 * Where a page that lists nothing leaves its reader: at `after`, or, on a first read, at the end
 * of the feed's visible part, taken just before the read (every event below it was visible to
 * the read: snapshot horizons only move up). So a client filtered to a rare type holds a cursor
 * from its first poll on, instead of scanning the whole feed again on every poll.
 */
async function startOf (db: Db, after: FeedPosition | null, readAt: number): Promise<FeedPosition> {
  return after ?? { xid: await repo.visibleHorizon(db), seq: '0', createdAt: new Date(readAt) }
}

/**
 * Where the next page starts: after the last event handed out, or at `start`. Its time is
 * the last event's; a page that ends the feed (`caughtUpAt`) moves it up to that read, so a
 * client that is up to date, on a quiet feed or filtered to a rare type, never holds a cursor
 * that looks older than the retention (410) while it has missed nothing.
 */
function nextCursor (start: FeedPosition, last: repo.EventRecord | undefined, caughtUpAt: number | null): string {
  const position = last !== undefined ? { xid: last.xid, seq: last.seq, createdAt: last.created_at } : start
  const caughtUp = caughtUpAt === null ? 0 : caughtUpAt - CAUGHT_UP_MARGIN_MS
  return encodeFeedCursor(caughtUp > position.createdAt.getTime() ? { ...position, createdAt: new Date(caughtUp) } : position)
}

/** Deletes the events older than the retention, in batches (their deliveries go with them); returns how many went. */
export async function purgeExpiredEvents (db: Db, retentionDays: number): Promise<number> {
  let total = 0
  let deleted = PURGE_BATCH
  while (deleted === PURGE_BATCH) {
    deleted = await repo.purgeExpiredEvents(db, retentionDays, PURGE_BATCH)
    total += deleted
  }
  return total
}
