import { createHash } from 'node:crypto'
import { existsSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Kysely, PostgresDialect } from 'kysely'
import pg from 'pg'
import { migrateToLatest } from '../../db/migrate.js'
import { withLockDir } from './lock-dir.js'

/**
 * Every test database starts as a copy of one migrated once per migration set, instead of
 * migrating its own (an embedded PGlite's initdb alone costs seconds of CPU). The key is a hash
 * of the migration sources (and the PGlite build), so adding or editing a migration makes a new
 * template; the app's migrate-on-start then finds nothing to do.
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const MIGRATIONS_DIR = join(ROOT, 'db', 'migrations')

let cachedHash: string | undefined
export function migrationHash (): string {
  if (cachedHash !== undefined) return cachedHash
  const hash = createHash('sha256')
  for (const file of readdirSync(MIGRATIONS_DIR).filter((f) => f.endsWith('.ts')).sort()) {
    hash.update(`${file}\0`).update(readFileSync(join(MIGRATIONS_DIR, file))).update('\0')
  }
  hash.update(readFileSync(join(ROOT, 'node_modules', '@electric-sql', 'pglite', 'package.json')))
  cachedHash = hash.digest('hex').slice(0, 16)
  return cachedHash
}

/**
 * A migrated embedded data directory, made once per migration set in the OS temp directory;
 * each test database starts as a file copy of it (PGLITE_DATA_DIR), which PGlite opens in
 * about half the CPU that restoring a dumpDataDir tarball into memory costs (BENCHMARKS.md,
 * "Test suite"). One of the parallel test processes makes it (a lock directory), the others wait
 * for it; it is migrated in a private directory and renamed into place, so a reader never sees half a template.
 */
export async function pgliteTemplateDir (): Promise<string> {
  const path = join(tmpdir(), `goshop-pglite-${migrationHash()}`)
  if (existsSync(path)) return path
  await withLockDir(`${path}.lock`, async () => {
    if (existsSync(path)) return
    const [{ PGlite }, { PGliteDialect }, { pg_trgm: pgTrgm }] = await Promise.all([
      import('@electric-sql/pglite'), import('kysely-pglite-dialect'), import('@electric-sql/pglite/contrib/pg_trgm')
    ])
    const partial = `${path}.${process.pid}.partial`
    rmSync(partial, { recursive: true, force: true })
    // The extensions db/connect.ts loads, so the migrations that create them run here too.
    const db = new Kysely<unknown>({ dialect: new PGliteDialect(new PGlite({ dataDir: partial, extensions: { pg_trgm: pgTrgm } })) })
    try {
      await migrateToLatest(db)
    } finally {
      await db.destroy()
    }
    renameSync(partial, path)
  })
  return path
}

const LOCK_KEY = 'goshop_test_template'

/**
 * The name of a migrated template database on the server at adminUrl, made once per
 * migration set. An advisory lock serialises parallel test processes; a template is marked
 * IS_TEMPLATE (and closed to connections, as CREATE DATABASE ... TEMPLATE requires) only once
 * fully migrated, so a half-made one (a killed run) is dropped and made again.
 */
export async function postgresTemplate (adminUrl: string): Promise<string> {
  const name = `goshop_template_${migrationHash()}`
  const admin = new pg.Client({ connectionString: adminUrl })
  await admin.connect()
  try {
    await admin.query('SELECT pg_advisory_lock(hashtext($1))', [LOCK_KEY])
    const { rows } = await admin.query<{ datistemplate: boolean }>('SELECT datistemplate FROM pg_database WHERE datname = $1', [name])
    if (rows[0]?.datistemplate === true) return name
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
    await admin.query(`CREATE DATABASE ${name}`)
    const url = new URL(adminUrl)
    url.pathname = `/${name}`
    const db = new Kysely<unknown>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: url.toString(), max: 1 }) }) })
    try {
      await migrateToLatest(db)
    } finally {
      await db.destroy()
    }
    await admin.query(`ALTER DATABASE ${name} WITH IS_TEMPLATE true ALLOW_CONNECTIONS false`)
    return name
  } finally {
    await admin.end()
  }
}
