import { sql, type RawBuilder } from 'kysely'

/**
 * A timestamp column as the API's ISO text, exactly what Date#toISOString gives (UTC,
 * milliseconds truncated), formatted by Postgres. A list page has 40 timestamps, and parsing
 * each into a Date only to format it again was a visible share of the list route's CPU
 * (BENCHMARKS.md, "List timestamps"); test/db/sql-timestamps.perf-guard.test.ts keeps the text
 * identical to the Date path. Alias it apart from the column name, so ORDER BY and keyset
 * conditions still use the column (and its index).
 */
export function isoTimestamp (column: string): RawBuilder<string> {
  return sql<string>`to_char(${sql.ref(column)} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`
}

/**
 * A timestamp column as UTC ISO text with microseconds, for cursors: a JS Date keeps only
 * milliseconds, and a truncated cursor would repeat or skip rows at page edges.
 */
export function preciseTimestamp (column: string): RawBuilder<string> {
  return sql<string>`to_char(${sql.ref(column)} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`
}
