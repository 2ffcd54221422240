import { sql, type RawBuilder } from 'kysely'
import { isoTimestamp } from './sql-timestamps.js'

/** The columns of `Row` that hold timestamps. */
type TimestampColumn<Row> = { [K in keyof Row & string]: Row[K] extends Date ? K : never }[keyof Row & string]

/**
 * A table or CTE of a raw statement, named once and read through typed column references: a
 * part of the statement built elsewhere (a presenter's JSON, the outbox) takes a `RowSource`,
 * so a wrong column is a compile error rather than a CTE name or column spelled as a string.
 */
export interface RowSource<Row> {
  /** The name, for `WITH <name> AS (...)` and `FROM <name>`. */
  readonly table: RawBuilder<unknown>
  column: <K extends keyof Row & string>(name: K) => RawBuilder<Row[K]>
  /** A timestamp column as the API's ISO text (db/sql-timestamps.ts). */
  iso: (name: TimestampColumn<Row>) => RawBuilder<string>
}

export function rowSource<Row> (name: string): RowSource<Row> {
  return {
    table: sql.table(name),
    column: <K extends keyof Row & string>(column: K) => sql<Row[K]>`${sql.ref(`${name}.${column}`)}`,
    iso: (column) => isoTimestamp(`${name}.${column}`)
  }
}
