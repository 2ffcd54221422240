import { randomBytes } from 'node:crypto'
import { cpSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import type { DatabaseConfig } from '../../lib/config.js'
import { pgliteTemplateDir, postgresTemplate } from './db-template.js'

/** Minimal view of a tap test: what the helpers need (teardown). */
export interface TestContext {
  teardown: (fn: () => unknown) => void
}

/** True when the suite runs against a real Postgres server (DATABASE_URL set, as in CI). */
export const usingRealPostgres = (): boolean => process.env.DATABASE_URL !== undefined && process.env.DATABASE_URL !== ''

/**
 * A fresh, migrated database with no rows for one app under test: on real Postgres a new
 * database cloned from the migrated template on DATABASE_URL's server and dropped at teardown;
 * otherwise an embedded PGlite on a copy of the migrated template directory, removed at teardown.
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

  const template = migrated ? await postgresTemplate(adminUrl) : 'template1'
  const name = `goshop_test_${process.pid}_${randomBytes(4).toString('hex')}`
  const admin = new pg.Client({ connectionString: adminUrl })
  await admin.connect()
  try {
    await admin.query(`CREATE DATABASE ${name} TEMPLATE ${template}`)
  } finally {
    await admin.end()
  }
  t.teardown(async () => {
    const client = new pg.Client({ connectionString: adminUrl })
    await client.connect()
    try {
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
    } finally {
      await client.end()
    }
  })
  const url = new URL(adminUrl)
  url.pathname = `/${name}`
  return { env: { DATABASE_URL: url.toString() }, url: url.toString() }
}

export type { DatabaseConfig }
