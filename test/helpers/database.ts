import { randomBytes } from 'node:crypto'
import { cpSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { DatabaseConfig } from '../../lib/config.js'
import { pgliteTemplateDir } from './db-template.js'
import { borrowPostgresDatabase, createDatabase, databaseUrl, dropDatabase } from './postgres-databases.js'

/** Minimal view of a tap test: what the helpers need (teardown). */
export interface TestContext {
  teardown: (fn: () => unknown) => void
}

/** True when the suite runs against a real Postgres server (DATABASE_URL set, as in CI). */
export const usingRealPostgres = (): boolean => process.env.DATABASE_URL !== undefined && process.env.DATABASE_URL !== ''

/**
 * A migrated database with no rows for one app under test (or several sharing it): on real
 * Postgres one cloned from the migrated template on DATABASE_URL's server, emptied at teardown
 * and lent out again (postgres-databases.ts); otherwise an embedded PGlite data directory, a copy
 * of the migrated template directory, removed at teardown (an app in this process gets a reused
 * PGlite instead: embedded-databases.ts).
 * `migrated: false` gives an empty one instead (for tests of migrating itself).
 */
export async function createTestDatabase (t: TestContext, { migrated = true } = {}): Promise<{ env: Record<string, string>, url: string | null }> {
  const adminUrl = process.env.DATABASE_URL
  if (adminUrl === undefined || adminUrl === '') {
    if (!migrated) return { env: { PGLITE_DATA_DIR: 'memory' }, url: null }
    const dataDir = join(tmpdir(), `goshop-test-${process.pid}-${randomBytes(4).toString('hex')}`)
    cpSync(await pgliteTemplateDir(), dataDir, { recursive: true })
    t.teardown(() => { rmSync(dataDir, { recursive: true, force: true }) })
    return { env: { PGLITE_DATA_DIR: dataDir }, url: null }
  }

  if (migrated) {
    const borrowed = await borrowPostgresDatabase(adminUrl)
    t.teardown(borrowed.release)
    return { env: { DATABASE_URL: borrowed.url }, url: borrowed.url }
  }
  const name = await createDatabase(adminUrl, 'template1')
  t.teardown(async () => { await dropDatabase(adminUrl, name) })
  const url = databaseUrl(adminUrl, name)
  return { env: { DATABASE_URL: url }, url }
}

export type { DatabaseConfig }
