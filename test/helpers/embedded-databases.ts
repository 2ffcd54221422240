import { randomBytes } from 'node:crypto'
import { cpSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { sql } from 'kysely'
import { connectDatabase, type DatabaseHandle } from '../../db/connect.js'
import { pgliteTemplateDir } from './db-template.js'
import { emptyDatabase } from './empty-database.js'

/**
 * Embedded test databases, reused across the apps of one test process. Opening a PGlite costs
 * ~1 CPU-s (its WebAssembly instance and Postgres start-up on a copy of the migrated template);
 * emptying one costs a TRUNCATE of the application tables, ~0.1 CPU-s (BENCHMARKS.md, "Test suite,
 * third pass"). An app gets a database with no rows, as on Postgres, where each app gets a new
 * database cloned from the template. A database that cannot be emptied (an app closed in the
 * middle of a transaction, a damaged schema) is closed and not used again.
 */

export interface BorrowedDatabase {
  handle: DatabaseHandle
  /** Empties the database and gives it back for the next app; call once the app has closed. */
  release: () => Promise<void>
}

/** How long emptying may take before the database counts as stuck (a busy machine stays far below it). */
const RESET_TIMEOUT_MS = 30_000
interface Pooled { handle: DatabaseHandle, dataDir: string }

const idle: Pooled[] = []
const dataDirs = new Set<string>()
process.once('exit', () => { for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true }) })

async function open (): Promise<Pooled> {
  const dataDir = join(tmpdir(), `goshop-test-${process.pid}-${randomBytes(4).toString('hex')}`)
  dataDirs.add(dataDir)
  cpSync(await pgliteTemplateDir(), dataDir, { recursive: true })
  return { handle: await connectDatabase({ kind: 'pglite', dataDir }), dataDir }
}

async function close ({ handle, dataDir }: Pooled): Promise<void> {
  await handle.db.destroy().catch(() => {})
  rmSync(dataDir, { recursive: true, force: true })
  dataDirs.delete(dataDir)
}

/** No rows, sequences restarted; the one session's state (settings, advisory locks, prepared statements) discarded. */
async function empty ({ handle }: Pooled): Promise<void> {
  await emptyDatabase(handle.db)
  await sql`DISCARD ALL`.execute(handle.db)
}

function withTimeout (work: Promise<void>): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => { reject(new Error(`emptying an embedded test database took over ${RESET_TIMEOUT_MS} ms`)) }, RESET_TIMEOUT_MS)
  })
  return Promise.race([work, timeout]).finally(() => { clearTimeout(timer) })
}

/** An empty, migrated embedded database for one app. */
export async function borrowEmbeddedDatabase (): Promise<BorrowedDatabase> {
  const pooled = idle.pop() ?? await open()
  let released = false
  return {
    handle: pooled.handle,
    release: async () => {
      if (released) return
      released = true
      try {
        await withTimeout(empty(pooled))
        idle.push(pooled)
      } catch {
        await close(pooled)
      }
    }
  }
}
