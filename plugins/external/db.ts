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

/** Kysely over pg (DATABASE_URL / DB_*) or over embedded PGlite; migrates on start when configured. */
export default fp(async function dbPlugin (fastify) {
  const handle = await connectDatabase(fastify.config.database)
  fastify.decorate('db', handle.db)
  fastify.decorate('dbHandle', handle)
  fastify.addHook('onClose', async () => { await handle.db.destroy() })

  if (fastify.config.migrateOnStart) {
    const { results } = await migrateToLatest(handle.db)
    for (const r of results ?? []) fastify.log.info({ migration: r.migrationName, status: r.status }, 'migration')
  }
  fastify.log.info({ database: handle.kind }, 'database ready')
}, { name: 'db', dependencies: ['config'] })
