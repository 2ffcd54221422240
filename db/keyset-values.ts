import { sql, type RawBuilder } from 'kysely'
import type { KeyKind, KeysetPosition } from '../lib/http/keyset.js'

// Values for the SQL of list queries, made from what the client sent (a cursor, a search text).

/** A cursor's timestamp key (microsecond text) as a timestamptz. */
export function timestampValue (value: string | number): RawBuilder<Date> {
  return sql<Date>`cast(${value} as timestamptz)`
}

/** The cursor's key as an SQL value comparable with its column. */
export function keyValue (position: KeysetPosition, kind: KeyKind): RawBuilder<Date | number | string> {
  return kind === 'timestamp' ? timestampValue(position.value) : sql<number | string>`${position.value}`
}

/** An ILIKE pattern matching `text` anywhere, with the user's %, _ and \ taken literally. */
export function containsPattern (text: string): string {
  return `%${text.replace(/[\\%_]/g, (char) => `\\${char}`)}%`
}
