import { sql, type Kysely } from 'kysely'

/**
 * The transactional outbox (webhook_events, written in the transaction of the change),
 * the endpoints integrators register, one delivery per endpoint x event, and a log of
 * every attempt. Deliveries due for an attempt are found through a partial index.
 */
const STATEMENTS = [
  `CREATE TABLE webhook_endpoints (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    url text NOT NULL CHECK (char_length(url) BETWEEN 1 AND 2048),
    events jsonb NOT NULL CHECK (jsonb_typeof(events) = 'array'),
    description text NOT NULL DEFAULT '',
    secret text NOT NULL,
    enabled boolean NOT NULL DEFAULT true,
    version bigint NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
  )`,
  // Its ETag is the row version, moved by the trigger of migration 0002 on every UPDATE.
  'CREATE TRIGGER webhook_endpoints_bump_version BEFORE UPDATE ON webhook_endpoints FOR EACH ROW EXECUTE FUNCTION bump_row_version()',
  'CREATE INDEX webhook_endpoints_created_at_id_idx ON webhook_endpoints (created_at, id)',
  `CREATE TABLE webhook_events (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    type text NOT NULL,
    data jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
  )`,
  'CREATE INDEX webhook_events_created_at_idx ON webhook_events (created_at)',
  `CREATE TABLE webhook_deliveries (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    endpoint_id uuid NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    event_id uuid NOT NULL REFERENCES webhook_events (id) ON DELETE CASCADE,
    status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'succeeded', 'failed')),
    attempts integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    last_response_status integer,
    last_latency_ms integer,
    last_error text,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT webhook_deliveries_endpoint_event_key UNIQUE (endpoint_id, event_id)
  )`,
  'CREATE INDEX webhook_deliveries_due_idx ON webhook_deliveries (next_attempt_at) WHERE status = \'pending\'',
  'CREATE INDEX webhook_deliveries_pending_created_idx ON webhook_deliveries (created_at) WHERE status = \'pending\'',
  'CREATE INDEX webhook_deliveries_endpoint_created_at_id_idx ON webhook_deliveries (endpoint_id, created_at, id)',
  'CREATE INDEX webhook_deliveries_event_id_idx ON webhook_deliveries (event_id)',
  `CREATE TABLE webhook_attempts (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    delivery_id uuid NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
    attempt integer NOT NULL CHECK (attempt >= 1),
    outcome text NOT NULL CHECK (outcome IN ('succeeded', 'failed')),
    response_status integer,
    latency_ms integer NOT NULL,
    error text,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT webhook_attempts_delivery_attempt_key UNIQUE (delivery_id, attempt)
  )`
]

// Migrations take Kysely<any>: they must not depend on the current Database type.
export async function up (db: Kysely<any>): Promise<void> {
  for (const statement of STATEMENTS) await sql.raw(statement).execute(db)
}

export async function down (db: Kysely<any>): Promise<void> {
  await sql`DROP TABLE IF EXISTS webhook_attempts, webhook_deliveries, webhook_events, webhook_endpoints`.execute(db)
}
