import { sql, type Kysely } from 'kysely'

const STATEMENTS = [
  `CREATE TABLE users (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    email text NOT NULL CONSTRAINT users_email_key UNIQUE CHECK (email = lower(email)),
    password_hash text NOT NULL,
    role text NOT NULL DEFAULT 'customer' CHECK (role IN ('customer', 'staff', 'admin')),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
  )`,
  `CREATE TABLE refresh_tokens (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    family_id uuid NOT NULL,
    token_hash text NOT NULL CONSTRAINT refresh_tokens_token_hash_key UNIQUE,
    expires_at timestamptz NOT NULL,
    used_at timestamptz,
    revoked_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now()
  )`,
  'CREATE INDEX refresh_tokens_user_id_idx ON refresh_tokens (user_id)',
  'CREATE INDEX refresh_tokens_family_id_idx ON refresh_tokens (family_id)',
  'CREATE INDEX refresh_tokens_expires_at_idx ON refresh_tokens (expires_at)',
  `CREATE TABLE customers (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id uuid CONSTRAINT customers_user_id_key UNIQUE REFERENCES users (id) ON DELETE SET NULL,
    first_name text NOT NULL CHECK (char_length(first_name) BETWEEN 1 AND 100),
    last_name text NOT NULL CHECK (char_length(last_name) BETWEEN 1 AND 100),
    email text NOT NULL CONSTRAINT customers_email_key UNIQUE CHECK (email = lower(email)),
    phone text,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
  )`,
  'CREATE INDEX customers_created_at_id_idx ON customers (created_at, id)',
  `CREATE TABLE products (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    sku text NOT NULL CONSTRAINT products_sku_key UNIQUE,
    name text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 200),
    description text NOT NULL DEFAULT '',
    price_cents bigint NOT NULL CHECK (price_cents BETWEEN 0 AND 10000000000),
    stock integer NOT NULL CHECK (stock >= 0),
    archived_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
  )`,
  'CREATE INDEX products_created_at_id_idx ON products (created_at, id)',
  'CREATE INDEX products_price_cents_id_idx ON products (price_cents, id)',
  'CREATE INDEX products_name_id_idx ON products (name, id)',
  `CREATE TABLE orders (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    customer_id uuid NOT NULL REFERENCES customers (id) ON DELETE RESTRICT,
    status text NOT NULL DEFAULT 'pending'
      CHECK (status IN ('pending', 'paid', 'shipped', 'delivered', 'cancelled')),
    currency char(3) NOT NULL,
    total_cents bigint NOT NULL CHECK (total_cents >= 0),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
  )`,
  'CREATE INDEX orders_customer_id_created_at_id_idx ON orders (customer_id, created_at, id)',
  'CREATE INDEX orders_created_at_id_idx ON orders (created_at, id)',
  'CREATE INDEX orders_status_idx ON orders (status)',
  `CREATE TABLE order_items (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    order_id uuid NOT NULL REFERENCES orders (id) ON DELETE RESTRICT,
    product_id uuid NOT NULL REFERENCES products (id) ON DELETE RESTRICT,
    sku text NOT NULL,
    name text NOT NULL,
    quantity integer NOT NULL CHECK (quantity BETWEEN 1 AND 1000),
    unit_price_cents bigint NOT NULL CHECK (unit_price_cents >= 0),
    subtotal_cents bigint NOT NULL CHECK (subtotal_cents = unit_price_cents * quantity),
    CONSTRAINT order_items_order_product_key UNIQUE (order_id, product_id)
  )`,
  'CREATE INDEX order_items_product_id_idx ON order_items (product_id)',
  `CREATE TABLE idempotency_keys (
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    key text NOT NULL CHECK (char_length(key) BETWEEN 1 AND 255),
    request_hash text NOT NULL,
    response_status integer NOT NULL,
    response_body jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    PRIMARY KEY (user_id, key)
  )`,
  'CREATE INDEX idempotency_keys_expires_at_idx ON idempotency_keys (expires_at)'
]

// Migrations take Kysely<any>: they must not depend on the current Database type.
export async function up (db: Kysely<any>): Promise<void> {
  // One statement per query: prepared statements (pg and PGlite) take a single command.
  for (const statement of STATEMENTS) await sql.raw(statement).execute(db)
}

export async function down (db: Kysely<any>): Promise<void> {
  await sql`
    DROP TABLE IF EXISTS idempotency_keys, order_items, orders, products, customers, refresh_tokens, users;
  `.execute(db)
}
