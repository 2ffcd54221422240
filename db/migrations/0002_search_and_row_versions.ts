import { sql, type Kysely } from 'kysely'

/** Every table whose rows have an ETag. */
const VERSIONED_TABLES = ['users', 'customers', 'products', 'orders'] as const

const STATEMENTS = [
  // Row versions: the database, not the code paths, moves them. Any UPDATE of a row (an order
  // taking stock, a cancel putting it back, an edit, a role change, a manual fix in psql) gets
  // OLD.version + 1; concurrent writers of one row are serialized by its row lock, so two
  // different states never share a version. bigint: a hot product takes ~10^8 orders a day at most.
  `CREATE FUNCTION bump_row_version () RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    NEW.version := OLD.version + 1;
    RETURN NEW;
  END
  $$`,
  ...VERSIONED_TABLES.flatMap((table) => [
    `ALTER TABLE ${table} ADD COLUMN version bigint NOT NULL DEFAULT 1`,
    `CREATE TRIGGER ${table}_bump_version BEFORE UPDATE ON ${table} FOR EACH ROW EXECUTE FUNCTION bump_row_version()`
  ]),

  // Lets a single statement give up with a reason: the statement fails, so everything it wrote
  // is rolled back, and the detail (JSON) tells the caller why (POST /api/orders, one statement).
  `CREATE FUNCTION refuse_statement (reason text, detail jsonb) RETURNS boolean LANGUAGE plpgsql AS $$
  BEGIN
    RAISE EXCEPTION USING ERRCODE = 'P0001', MESSAGE = reason, DETAIL = detail::text;
  END
  $$`,

  // Substring search (ILIKE '%term%') backed by trigram indexes. Terms of three or more
  // characters use them; shorter ones have no trigram and fall back to the ordered scan.
  'CREATE EXTENSION IF NOT EXISTS pg_trgm',
  'CREATE INDEX products_name_trgm_idx ON products USING gin (name gin_trgm_ops)',
  'CREATE INDEX products_sku_trgm_idx ON products USING gin (sku gin_trgm_ops)',
  // The customer search matches "first last" (which covers each name alone) or the email.
  // concat_ws is not immutable, so the indexed expression uses ||.
  'CREATE INDEX customers_full_name_trgm_idx ON customers USING gin ((first_name || \' \' || last_name) gin_trgm_ops)',
  'CREATE INDEX customers_email_trgm_idx ON customers USING gin (email gin_trgm_ops)'
]

// Migrations take Kysely<any>: they must not depend on the current Database type.
export async function up (db: Kysely<any>): Promise<void> {
  for (const statement of STATEMENTS) await sql.raw(statement).execute(db)
}

export async function down (db: Kysely<any>): Promise<void> {
  for (const index of ['customers_email_trgm_idx', 'customers_full_name_trgm_idx', 'products_sku_trgm_idx', 'products_name_trgm_idx']) {
    await sql.raw(`DROP INDEX IF EXISTS ${index}`).execute(db)
  }
  for (const table of VERSIONED_TABLES) {
    await sql.raw(`DROP TRIGGER IF EXISTS ${table}_bump_version ON ${table}`).execute(db)
    await sql.raw(`ALTER TABLE ${table} DROP COLUMN IF EXISTS version`).execute(db)
  }
  await sql.raw('DROP FUNCTION IF EXISTS bump_row_version()').execute(db)
  await sql.raw('DROP FUNCTION IF EXISTS refuse_statement(text, jsonb)').execute(db)
}
