import { sql, type Kysely } from 'kysely'

/**
 * API keys get the row version behind their ETag (SPEC §1), the way users, customers, products
 * and orders got theirs in 0002: the column, and the trigger of 0002 that moves it on every
 * UPDATE by any code path (revoke, roll, the last_used_at bookkeeping of key admission). A
 * constant default: adding the column rewrites nothing; existing keys start at 1.
 * `rolled_at`: when the key was rolled. A rolled key has its successor, so it is not rolled again
 * (its shortened lifetime would pass on to a second successor).
 */
const STATEMENTS = [
  'ALTER TABLE api_keys ADD COLUMN version bigint NOT NULL DEFAULT 1',
  'CREATE TRIGGER api_keys_bump_version BEFORE UPDATE ON api_keys FOR EACH ROW EXECUTE FUNCTION bump_row_version()',
  'ALTER TABLE api_keys ADD COLUMN rolled_at timestamptz'
]

// Migrations take Kysely<any>: they must not depend on the current Database type.
export async function up (db: Kysely<any>): Promise<void> {
  for (const statement of STATEMENTS) await sql.raw(statement).execute(db)
}

export async function down (db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE api_keys DROP COLUMN IF EXISTS rolled_at`.execute(db)
  await sql`DROP TRIGGER IF EXISTS api_keys_bump_version ON api_keys`.execute(db)
  await sql`ALTER TABLE api_keys DROP COLUMN IF EXISTS version`.execute(db)
}
