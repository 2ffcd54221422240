import fp from 'fastify-plugin'
import { connectDatabase, type DatabaseHandle } from '../../db/connect.js'
import type { Db } from '../../db/database.js'
import { migrateToLatest } from '../../db/migrate.js'

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

/** Kysely over pg (DATABASE_URL / DB_*) or over embedded PGlite; migrates on start when configured. */
export default fp<DbPluginOptions>(async function dbPlugin (fastify, { database }) {
  const handle = database ?? await connectDatabase(fastify.config.database)
  fastify.decorate('db', handle.db)
  fastify.decorate('dbHandle', handle)
  if (database === undefined) fastify.addHook('onClose', async () => { await handle.db.destroy() })

  if (fastify.config.migrateOnStart) {
    const { results } = await migrateToLatest(handle.db)
    for (const r of results ?? []) fastify.log.info({ migration: r.migrationName, status: r.status }, 'migration')
  }
  fastify.log.info({ database: handle.kind }, 'database ready')
}, { name: 'db', dependencies: ['config'] })
