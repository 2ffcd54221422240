import { AppError } from '../app-error.js'
import { HTTP_PROBLEMS } from '../problems/http.js'

/**
 * A position in a feed read in (xid, seq) order (the events feed, the audit log): the (xid, seq)
 * of the last row handed out, and the time up to which its holder has seen the feed (that row's
 * time, or later when the events page that gave it ended the feed), which tells the events feed
 * whether events it has not seen may have been purged (410).
 * base64url JSON, opaque to clients; anything this API did not make is a 400.
 */
export interface FeedPosition {
  xid: string
  seq: string
  createdAt: Date
}

const DIGITS = /^\d{1,20}$/

export function encodeFeedCursor (position: FeedPosition): string {
  return Buffer.from(JSON.stringify({ x: position.xid, s: position.seq, t: position.createdAt.toISOString() })).toString('base64url')
}

export function decodeFeedCursor (raw: string | undefined): FeedPosition | null {
  if (raw === undefined) return null
  let parsed: unknown
  try {
    parsed = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'))
  } catch {
    throw afterInvalid()
  }
  if (typeof parsed !== 'object' || parsed === null || !('x' in parsed) || !('s' in parsed) || !('t' in parsed)) throw afterInvalid()
  const { x, s, t } = parsed
  if (typeof x !== 'string' || typeof s !== 'string' || typeof t !== 'string' || !DIGITS.test(x) || !DIGITS.test(s)) throw afterInvalid()
  const createdAt = new Date(t)
  if (Number.isNaN(createdAt.getTime())) throw afterInvalid()
  return { xid: x, seq: s, createdAt }
}

const afterInvalid = (): AppError => new AppError(HTTP_PROBLEMS.INVALID_CURSOR, 'after is not a cursor this API returned', {
  errors: [{ pointer: '/after', in: 'query', detail: 'is not a value this API returned' }]
})
