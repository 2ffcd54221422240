import { mkdirSync } from 'node:fs'
import net from 'node:net'
import { Kysely, PostgresDialect } from 'kysely'
import pg from 'pg'
import Cursor from 'pg-cursor'
import type { DatabaseConfig } from '../lib/config.js'
import type { Database, Db } from './database.js'
import { namingPool } from './named-statements.js'

const INT8_OID = 20
const NUMERIC_OID = 1700

/**
 * Money and counts are bigint in SQL; every value this service stores fits in a
 * JS number (max total is 100 lines x 1000 x 10^10 cents < 2^53), so parse them as numbers.
 */
const parseInt8 = (value: string): number => Number(value)

export interface DatabaseHandle {
  db: Db
  kind: DatabaseConfig['kind']
  /** The pg pool when connected to a real server (for pool metrics). */
  pool: pg.Pool | null
}

/**
 * Bounds on waiting for Postgres, so an outage or a stuck database answers 503 quickly instead
 * of hanging requests.
 * - acquire: a new connection, or a free pool slot, within DB_ACQUIRE_TIMEOUT_MS (pg-pool applies
 *   connectionTimeoutMillis to both); a refused connection fails at once anyway.
 * - statement_timeout: the server cancels any statement (lock waits included) after DB_STATEMENT_TIMEOUT_MS.
 * - idle_in_transaction_session_timeout: a transaction left open by a stuck caller frees its locks.
 * - socket silence: a connection that hears nothing for a while is destroyed, which fails its
 *   query (503) and evicts it from the pool (server frozen, network black hole: TCP alone would
 *   wait for minutes). It is a little longer than statement_timeout, so a slow but live server
 *   always answers first (its statement_timeout error), and a frozen one costs a request about
 *   the statement deadline (SPEC §4). An idle pooled connection that counts as silent first is
 *   only closed a little before the pool's idle timeout would close it.
 */
export const DB_TIMEOUTS = {
  IDLE_IN_TRANSACTION_MS: 15_000,
  IDLE_TIMEOUT_MS: 10_000,
  /** Silence allowed beyond the statement timeout before a socket counts as dead. */
  SILENCE_MARGIN_MS: 1000
} as const

/** How long a request-serving connection may hear nothing from Postgres. */
export const silentSocketMs = (statementTimeoutMs: number): number => statementTimeoutMs + DB_TIMEOUTS.SILENCE_MARGIN_MS

function watchedSocket (silentMs: number): () => net.Socket {
  return () => {
    const socket = new net.Socket()
    socket.setTimeout(silentMs)
    socket.once('timeout', () => {
      socket.destroy(Object.assign(new Error(`Postgres sent nothing for ${silentMs} ms`), { code: 'ETIMEDOUT' }))
    })
    return socket
  }
}

export interface ConnectOptions {
  /**
   * false for long maintenance work (e.g. a migration building an index on a big table):
   * no statement timeout and no silence watchdog. Request-serving pools keep the default (true).
   */
  bounded?: boolean
}

export async function connectDatabase (config: DatabaseConfig, { bounded = true }: ConnectOptions = {}): Promise<DatabaseHandle> {
  if (config.kind === 'postgres') {
    const pool = new pg.Pool({
      connectionString: config.url,
      max: config.poolMax,
      connectionTimeoutMillis: config.acquireTimeoutMs,
      idleTimeoutMillis: DB_TIMEOUTS.IDLE_TIMEOUT_MS,
      keepAlive: true,
      ...(bounded
        ? {
            statement_timeout: config.statementTimeoutMs,
            idle_in_transaction_session_timeout: Math.max(DB_TIMEOUTS.IDLE_IN_TRANSACTION_MS, config.statementTimeoutMs),
            stream: watchedSocket(silentSocketMs(config.statementTimeoutMs))
          }
        : {}),
      types: {
        getTypeParser: (oid: number, format?: 'text' | 'binary') =>
          oid === INT8_OID || oid === NUMERIC_OID ? parseInt8 : pg.types.getTypeParser(oid, format)
      }
    })
    // An idle client losing its server must not crash the process; the next query reconnects.
    pool.on('error', () => {})
    // pg also emits 'error' on a client that is checked out (by Kysely, which adds no listener) when
    // its connection drops: unhandled, that would crash the process. The failing query is rejected
    // anyway (-> 503), and the broken client is dropped by the pool on release.
    pool.on('connect', (client) => { client.on('error', () => {}) })
    return { db: new Kysely<Database>({ dialect: new PostgresDialect({ pool: namingPool(pool), cursor: Cursor }) }), kind: 'postgres', pool }
  }

  if (config.dataDir !== null) mkdirSync(config.dataDir, { recursive: true })
  // Loaded only in embedded mode: a server on real Postgres never pays for the WebAssembly build.
  const [{ PGlite }, { PGliteDialect }, { pg_trgm: pgTrgm }] = await Promise.all([
    import('@electric-sql/pglite'), import('kysely-pglite-dialect'), import('@electric-sql/pglite/contrib/pg_trgm')
  ])
  const pglite = new PGlite({
    // Trigram indexes back product and customer search (migration 0002).
    extensions: { pg_trgm: pgTrgm },
    ...(config.dataDir !== null ? { dataDir: config.dataDir } : {}),
    parsers: { [INT8_OID]: parseInt8, [NUMERIC_OID]: parseInt8 }
  })
  return { db: new Kysely<Database>({ dialect: new PGliteDialect(pglite) }), kind: 'pglite', pool: null }
}
