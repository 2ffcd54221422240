import { sql, type Kysely } from 'kysely'

/**
 * API keys for programs (SPEC §7). Only the SHA-256 of a key is stored (unique: the lookup on
 * every key-authenticated request), with its first 12 characters (`prefix`) so people can tell
 * their keys apart. A key lives at most a year; a roll ends the old key's life at
 * now + the overlap (at most 168 h) by lowering its expires_at. audit_events already accepts
 * actor_type 'api_key' (0004).
 */
const STATEMENTS = [
  `CREATE TABLE api_keys (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 100),
    prefix text NOT NULL CHECK (char_length(prefix) = 12 AND prefix LIKE 'gsk\\_%'),
    key_hash text NOT NULL UNIQUE CHECK (key_hash ~ '^[0-9a-f]{64}$'),
    scopes text[] NOT NULL CHECK (cardinality(scopes) BETWEEN 1 AND 9),
    created_at timestamptz NOT NULL DEFAULT date_trunc('milliseconds', now()),
    expires_at timestamptz NOT NULL,
    revoked_at timestamptz,
    last_used_at timestamptz,
    CHECK (expires_at <= created_at + interval '1 year')
  )`,
  // GET /api/api-keys pages in (created_at, id) order: one user's keys, or all of them (admin).
  'CREATE INDEX api_keys_user_created_idx ON api_keys (user_id, created_at, id)',
  'CREATE INDEX api_keys_created_idx ON api_keys (created_at, id)'
]

// Migrations take Kysely<any>: they must not depend on the current Database type.
export async function up (db: Kysely<any>): Promise<void> {
  for (const statement of STATEMENTS) await sql.raw(statement).execute(db)
}

export async function down (db: Kysely<any>): Promise<void> {
  await sql`DROP TABLE IF EXISTS api_keys`.execute(db)
}
