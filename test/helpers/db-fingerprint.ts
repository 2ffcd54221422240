import { sql } from 'kysely'
import type { Db } from '../../db/database.js'
import { TABLES } from './row-counts.js'

/**
 * A digest of every application table's full contents: equal fingerprints mean nothing was
 * inserted, updated or deleted in between (row counts alone would miss an UPDATE).
 */
export async function dbFingerprint (db: Db): Promise<string> {
  const digests = TABLES.map((table) =>
    sql`(select md5(coalesce(string_agg(t::text, '|' order by t::text), '')) from ${sql.table(table)} as t)`)
  const { rows } = await sql<{ fingerprint: string }>`select concat_ws(',', ${sql.join(digests)}) as fingerprint`.execute(db)
  const row = rows[0]
  if (row === undefined) throw new Error('no fingerprint')
  return row.fingerprint
}
