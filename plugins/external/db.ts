import fp from 'fastify-plugin'
import { connectDatabase, type DatabaseHandle } from '../../db/connect.js'
import type { Db } from '../../db/database.js'
import { migrateToLatest } from '../../db/migrate.js'
import { waitForPostgres } from '../../db/wait-for-postgres.js'

declare module 'fastify' {
  interface FastifyInstance {
    db: Db
    dbHandle: DatabaseHandle
  }
}

export interface DbPluginOptions {
  /** Opened and closed by the caller (app.ts, BuildAppOptions.database); otherwise the plugin connects and closes. */
  database?: DatabaseHandle
}

/** Kysely over pg (DATABASE_URL / DB_*) or over embedded PGlite; migrates on start when configured, waiting for Postgres to answer first. */
export default fp<DbPluginOptions>(async function dbPlugin (fastify, { database }) {
  const handle = database ?? await connectDatabase(fastify.config.database)
  fastify.decorate('db', handle.db)
  fastify.decorate('dbHandle', handle)
  if (database === undefined) fastify.addHook('onClose', async () => { await handle.db.destroy() })
  if (fastify.config.migrateOnStart) {
    // Migrating is the boot's one use of Postgres: without it the replica starts and readiness says whether Postgres answers.
    if (handle.kind === 'postgres') {
      await waitForPostgres(handle.db, (error, attempt) => {
        fastify.log.warn({ err: error, attempt }, 'waiting for Postgres to answer (the boot goes on when it does; STARTUP_TIMEOUT_MS bounds the wait)')
      })
    }
    const { results } = await migrateToLatest(handle.db)
    for (const r of results ?? []) fastify.log.info({ migration: r.migrationName, status: r.status }, 'migration')
  }
  fastify.log.info({ database: handle.kind }, 'database ready')
}, { name: 'db', dependencies: ['config'] })
