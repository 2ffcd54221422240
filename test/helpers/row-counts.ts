import { sql } from 'kysely'
import type { Db } from '../../db/database.js'

export const TABLES = ['users', 'refresh_tokens', 'customers', 'products', 'orders', 'order_items', 'idempotency_keys', 'audit_events'] as const

export type RowCounts = Record<(typeof TABLES)[number], number>

/** Row count of every application table, in one round trip. */
export async function rowCounts (db: Db): Promise<RowCounts> {
  const columns = TABLES.map((table) => sql`(select count(*) from ${sql.table(table)})::int as ${sql.ref(table)}`)
  const { rows } = await sql<RowCounts>`select ${sql.join(columns)}`.execute(db)
  const row = rows[0]
  if (row === undefined) throw new Error('no row counts')
  return row
}
