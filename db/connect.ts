import { mkdirSync } from 'node:fs'
import { PGlite } from '@electric-sql/pglite'
import { Kysely, PostgresDialect } from 'kysely'
import { PGliteDialect } from 'kysely-pglite-dialect'
import pg from 'pg'
import type { DatabaseConfig } from '../plugins/config.js'
import type { Database } from './database.js'

const INT8_OID = 20
const NUMERIC_OID = 1700

/**
 * Money and counts are bigint in SQL; every value this service stores fits in a
 * JS number (max total is 100 lines x 1000 x 10^10 cents < 2^53), so parse them as numbers.
 */
const parseInt8 = (value: string): number => Number(value)

export interface DatabaseHandle {
  db: Kysely<Database>
  kind: DatabaseConfig['kind']
  /** The pg pool when connected to a real server (for pool metrics). */
  pool: pg.Pool | null
}

export function connectDatabase (config: DatabaseConfig): DatabaseHandle {
  if (config.kind === 'postgres') {
    const pool = new pg.Pool({
      connectionString: config.url,
      max: config.poolMax,
      connectionTimeoutMillis: 5000,
      idleTimeoutMillis: 30000,
      types: {
        getTypeParser: (oid: number, format?: 'text' | 'binary') =>
          oid === INT8_OID || oid === NUMERIC_OID ? parseInt8 : pg.types.getTypeParser(oid, format)
      }
    })
    // An idle client losing its server must not crash the process; the next query reconnects.
    pool.on('error', () => {})
    return { db: new Kysely<Database>({ dialect: new PostgresDialect({ pool }) }), kind: 'postgres', pool }
  }

  if (config.dataDir !== null) mkdirSync(config.dataDir, { recursive: true })
  const pglite = new PGlite({
    ...(config.dataDir !== null ? { dataDir: config.dataDir } : {}),
    parsers: { [INT8_OID]: parseInt8, [NUMERIC_OID]: parseInt8 }
  })
  return { db: new Kysely<Database>({ dialect: new PGliteDialect(pglite) }), kind: 'pglite', pool: null }
}
