import type { FastifyReply, FastifyRequest } from 'fastify'
import { isDateTime } from '../formats.js'
import { AppError } from '../app-error.js'
import { HTTP_PROBLEMS } from '../problems/http.js'
import { UUID_PATTERN } from '../../schemas/common.js'

/**
 * Keyset cursors: the sort key and id of the last row of a page, base64url JSON.
 * Opaque to clients; a tampered or foreign cursor is a 400, never a 500.
 */
export interface Cursor {
  /** The sort column's value for the last row (ISO string for timestamps). */
  v: string | number
  id: string
}

export function encodeCursor (cursor: Cursor): string {
  return Buffer.from(JSON.stringify(cursor)).toString('base64url')
}

/**
 * 400 INVALID_CURSOR: the one way a list refuses a cursor it did not make. `param` is the query
 * parameter that carries it (`cursor`, or `after` on feeds such as GET /api/audit-events).
 */
export function invalidCursor (detail = 'is not a value this API returned', param = 'cursor'): AppError {
  return new AppError(HTTP_PROBLEMS.INVALID_CURSOR, `${param} ${detail}`, {
    errors: [{ pointer: `/${param}`, in: 'query', detail }]
  })
}

export function decodeCursor (raw: string | undefined, param = 'cursor'): Cursor | null {
  if (raw === undefined) return null
  try {
    const parsed: unknown = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'))
    if (typeof parsed === 'object' && parsed !== null && 'v' in parsed && 'id' in parsed) {
      const { v, id } = parsed
      if ((typeof v === 'string' || typeof v === 'number') && typeof id === 'string' && UUID_PATTERN.test(id)) return { v, id }
    }
  } catch {
    // fall through to the 400
  }
  throw invalidCursor(undefined, param)
}

/**
 * The position of a list in (created_at, id) order whose rows store created_at in whole
 * milliseconds (orders, webhook endpoints and deliveries), so a Date holds it exactly.
 */
export function decodeCreatedAtCursor (raw: string | undefined): { createdAt: Date, id: string } | null {
  const cursor = decodeCursor(raw)
  if (cursor === null) return null
  const createdAt = typeof cursor.v === 'string' && isDateTime(cursor.v) ? new Date(cursor.v) : new Date(Number.NaN)
  if (Number.isNaN(createdAt.getTime())) throw invalidCursor()
  return { createdAt, id: cursor.id }
}

/** Sets `Link: <...>; rel="next"` (RFC 8288) pointing at the same URL with the next cursor in `param`. */
export function setNextLink (request: FastifyRequest, reply: FastifyReply, nextCursor: string | null, param = 'cursor'): void {
  if (nextCursor === null) return
  const url = new URL(request.url, 'http://placeholder')
  url.searchParams.set(param, nextCursor)
  reply.header('link', `<${url.pathname}${url.search}>; rel="next"`)
}

/**
 * Given limit+1 fetched rows, returns the page and the cursor for the next one.
 * `key` picks the sort value of a row.
 */
export function paginate<T extends { id: string }> (rows: T[], limit: number, key: (row: T) => string | number): { page: T[], nextCursor: string | null } {
  const page = rows.slice(0, limit)
  const last = page.at(-1)
  const nextCursor = rows.length > limit && last !== undefined ? encodeCursor({ v: key(last), id: last.id }) : null
  return { page, nextCursor }
}
