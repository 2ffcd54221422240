import { connectDatabase } from '../db/connect.js'
import { migrateToLatest } from '../db/migrate.js'
import { waitForPostgres } from '../db/wait-for-postgres.js'
import { ConfigError, loadConfig } from '../lib/config.js'

/** `npm run migrate`: applies pending migrations to the configured database, then exits. */
try {
  const config = loadConfig(process.env)
  // Unbounded: a long migration must not be cut by the request-path statement timeout.
  const { db, kind } = await connectDatabase(config.database, { bounded: false })
  try {
    // An init container may start before its Postgres: wait for it, within the boot's deadline.
    if (kind === 'postgres') {
      await waitForPostgres(db, (error) => {
        console.error(`waiting for Postgres to answer (STARTUP_TIMEOUT_MS=${config.startupTimeoutMs} bounds the wait): ${error instanceof Error ? error.message : String(error)}`)
      }, AbortSignal.timeout(config.startupTimeoutMs))
    }
    const { results } = await migrateToLatest(db)
    for (const r of results ?? []) console.log(`${r.status}: ${r.migrationName}`)
    console.log(`migrations up to date (${kind})`)
  } finally {
    await db.destroy()
  }
} catch (error) {
  console.error(error instanceof ConfigError ? error.message : error)
  process.exitCode = 1
}
