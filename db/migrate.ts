import { Migrator, type Kysely, type MigrationResultSet } from 'kysely'
import { migrations } from './migrations/index.js'

/**
 * Applies every pending migration. Kysely holds a Postgres advisory lock while it
 * runs, so replicas that start together never apply a migration twice.
 */
export async function migrateToLatest<T> (db: Kysely<T>): Promise<MigrationResultSet> {
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => migrations }
  })
  const result = await migrator.migrateToLatest()
  if (result.error !== undefined) throw result.error
  return result
}
