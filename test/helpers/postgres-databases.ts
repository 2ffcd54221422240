import { randomBytes } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { Kysely, PostgresDialect, sql } from 'kysely'
import pg from 'pg'
import tap from 'tap'
import { postgresTemplate } from './db-template.js'
import { emptyDatabase } from './empty-database.js'

/**
 * Test databases on a real Postgres server, reused across the tests of one process: cloning the
 * migrated template costs the server ~90 ms (CREATE DATABASE, then DROP), emptying one ~10 ms
 * (BENCHMARKS.md, "Test suite, third pass"). A database is lent out again only when nothing is
 * connected to it any more and it empties within its lock timeout; otherwise it is dropped.
 * The idle ones are dropped when the process's tests end.
 */

/** How long the sessions of a closed app may take to leave the server before the database counts as still in use. */
const SESSIONS_GONE_MS = 2000

export function databaseUrl (adminUrl: string, name: string): string {
  const url = new URL(adminUrl)
  url.pathname = `/${name}`
  return url.toString()
}

async function asAdmin<T> (adminUrl: string, work: (admin: pg.Client) => Promise<T>): Promise<T> {
  const admin = new pg.Client({ connectionString: adminUrl })
  await admin.connect()
  try {
    return await work(admin)
  } finally {
    await admin.end()
  }
}

/** A new database cloned from template; its name. */
export async function createDatabase (adminUrl: string, template: string): Promise<string> {
  const name = `goshop_test_${process.pid}_${randomBytes(4).toString('hex')}`
  await asAdmin(adminUrl, async (admin) => await admin.query(`CREATE DATABASE ${name} TEMPLATE ${template}`))
  return name
}

export async function dropDatabase (adminUrl: string, name: string): Promise<void> {
  await asAdmin(adminUrl, async (admin) => await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`))
}

const idle: string[] = []
let dropIdleAtEnd = false

/** Empties the database for the next test; false when someone is still connected or it cannot be emptied. */
async function emptied (url: string): Promise<boolean> {
  const db = new Kysely<unknown>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: url, max: 1 }) }) })
  try {
    for (const deadline = Date.now() + SESSIONS_GONE_MS; ;) {
      const { rows } = await sql<{ others: number }>`
        SELECT count(*)::int AS others FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`.execute(db)
      if (rows[0]?.others === 0) break
      if (Date.now() > deadline) return false
      await sleep(20)
    }
    await emptyDatabase(db)
    return true
  } catch {
    return false
  } finally {
    await db.destroy()
  }
}

/** A migrated database with no rows; release() once nothing uses it any more (a test's teardown). */
export async function borrowPostgresDatabase (adminUrl: string): Promise<{ url: string, release: () => Promise<void> }> {
  if (!dropIdleAtEnd) {
    dropIdleAtEnd = true
    tap.teardown(async () => { for (const name of idle.splice(0)) await dropDatabase(adminUrl, name) })
  }
  const name = idle.pop() ?? await createDatabase(adminUrl, await postgresTemplate(adminUrl))
  const url = databaseUrl(adminUrl, name)
  return {
    url,
    release: async () => {
      if (await emptied(url)) idle.push(name)
      else await dropDatabase(adminUrl, name)
    }
  }
}
