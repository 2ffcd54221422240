import { connectDatabase } from '../db/connect.js'
import { migrateToLatest } from '../db/migrate.js'
import { ConfigError, loadConfig } from '../lib/config.js'

/** `npm run migrate`: applies pending migrations to the configured database, then exits. */
try {
  const config = loadConfig(process.env)
  // Unbounded: a long migration must not be cut by the request-path statement timeout.
  const { db, kind } = await connectDatabase(config.database, { bounded: false })
  try {
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
