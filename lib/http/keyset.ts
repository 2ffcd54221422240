import { isDateTime } from '../formats.js'
import { decodeCursor, invalidCursor, paginate } from './pagination.js'

/**
 * Keyset pagination bound to a sort order. The cursor's value is `<sort>|<key>`, so a
 * cursor made for one sort is rejected (400 INVALID_CURSOR) by another instead of
 * silently skipping or repeating rows.
 */
export type KeyKind = 'timestamp' | 'integer' | 'text'

export interface SortOrder<C extends string> {
  /** What clients send as ?sort= (and what the cursor is bound to). */
  name: string
  column: C
  kind: KeyKind
  descending: boolean
}

export interface KeysetPosition {
  /** Timestamps as microsecond ISO text, integers as numbers, text as is. */
  value: string | number
  id: string
}

const SEPARATOR = '|'
const ISO_MICROS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$/

/** A key as this API writes it; anything else (a day that does not exist, year 0, a NUL Postgres cannot hold) was not made here. */
function parseKey (raw: string, kind: KeyKind): string | number | null {
  if (kind === 'text') return raw.includes('\u0000') ? null : raw
  if (kind === 'integer') {
    const value = /^-?\d{1,16}$/.test(raw) ? Number(raw) : Number.NaN
    return Number.isSafeInteger(value) ? value : null
  }
  return ISO_MICROS.test(raw) && isDateTime(raw) ? raw : null
}

/** `param`: the query parameter the cursor came in (named in the 400). */
export function decodeSortCursor<C extends string> (raw: string | undefined, sort: SortOrder<C>, param = 'cursor'): KeysetPosition | null {
  const cursor = decodeCursor(raw, param)
  if (cursor === null) return null
  const encoded = typeof cursor.v === 'string' ? cursor.v : ''
  const at = encoded.indexOf(SEPARATOR)
  if (at < 0 || encoded.slice(0, at) !== sort.name) throw invalidCursor('was made for another sort order', param)
  const value = parseKey(encoded.slice(at + 1), sort.kind)
  if (value === null) throw invalidCursor('is not a value this API returned', param)
  return { value, id: cursor.id }
}

/** The page out of limit+1 rows and the cursor (bound to `sort`) for the next one. */
export function pageBySort<T extends { id: string }, C extends string> (
  rows: T[], limit: number, sort: SortOrder<C>, key: (row: T) => string | number
): { page: T[], nextCursor: string | null } {
  return paginate(rows, limit, (row) => `${sort.name}${SEPARATOR}${key(row)}`)
}
