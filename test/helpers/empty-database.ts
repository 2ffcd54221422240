import { sql, type Kysely } from 'kysely'

/** Tables the migrations own: their rows are the template's, not a test's. */
const MIGRATION_TABLES = ['kysely_migration', 'kysely_migration_lock']

/**
 * Deletes every row a test wrote and restarts the sequences, leaving the migrated schema: the
 * database is then as a new copy of the template (test/helpers/database.ts and
 * embedded-databases.ts lend emptied databases out again). lock_timeout bounds the wait for a
 * lock someone still holds; the caller then stops using the database.
 */
export async function emptyDatabase<DB> (db: Kysely<DB>): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await sql`SET LOCAL lock_timeout = '10s'`.execute(trx)
    // Replica mode skips triggers: audit_events refuses TRUNCATE from the application's sessions.
    await sql`SET LOCAL session_replication_role = replica`.execute(trx)
    const { rows } = await sql<{ name: string }>`
      SELECT tablename AS name FROM pg_tables
      WHERE schemaname = 'public' AND NOT tablename = ANY(${MIGRATION_TABLES}) ORDER BY tablename`.execute(trx)
    await sql`TRUNCATE ${sql.join(rows.map(({ name }) => sql.table(name)))} RESTART IDENTITY`.execute(trx)
  })
}
