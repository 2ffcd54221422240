import type { ColumnType, Generated, Insertable, Kysely, Selectable, Updateable } from 'kysely'

/** Timestamps come back as Date; inserts/updates may pass a Date or an ISO string. */
type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>
type CreatedAt = ColumnType<Date, Date | string | undefined, never>
/** The row version behind its ETag: set to 1 on insert and bumped by a trigger on every UPDATE. */
type RowVersion = ColumnType<number, never, never>

export type Role = 'customer' | 'staff' | 'admin'
export type OrderStatus = 'pending' | 'paid' | 'shipped' | 'delivered' | 'cancelled'

export interface UsersTable {
  id: Generated<string>
  email: string
  password_hash: string
  role: ColumnType<Role, Role | undefined, Role>
  created_at: CreatedAt
  updated_at: Timestamp
  version: RowVersion
}

export interface RefreshTokensTable {
  id: Generated<string>
  user_id: string
  family_id: string
  token_hash: string
  expires_at: ColumnType<Date, Date | string, Date | string>
  used_at: NullableTimestamp
  revoked_at: NullableTimestamp
  created_at: CreatedAt
}

export interface CustomersTable {
  id: Generated<string>
  user_id: string | null
  first_name: string
  last_name: string
  email: string
  phone: string | null
  created_at: CreatedAt
  updated_at: Timestamp
  version: RowVersion
}

export interface ProductsTable {
  id: Generated<string>
  sku: string
  name: string
  description: ColumnType<string, string | undefined, string>
  price_cents: number
  stock: number
  archived_at: NullableTimestamp
  created_at: CreatedAt
  updated_at: Timestamp
  version: RowVersion
}

export interface OrdersTable {
  id: Generated<string>
  customer_id: string
  status: ColumnType<OrderStatus, OrderStatus | undefined, OrderStatus>
  currency: string
  total_cents: number
  created_at: CreatedAt
  updated_at: Timestamp
  version: RowVersion
}

export interface OrderItemsTable {
  id: Generated<string>
  order_id: string
  product_id: string
  sku: string
  name: string
  quantity: number
  unit_price_cents: number
  subtotal_cents: number
}

export interface IdempotencyKeysTable {
  user_id: string
  key: string
  request_hash: string
  response_status: number
  response_body: ColumnType<unknown, string, string>
  created_at: CreatedAt
  expires_at: ColumnType<Date, Date | string, Date | string>
}

export type WebhookDeliveryStatus = 'pending' | 'succeeded' | 'failed'

export interface WebhookEndpointsTable {
  id: Generated<string>
  url: string
  /** Event types, a JSON array (jsonb): written as JSON text. */
  events: ColumnType<string[], string, string>
  description: ColumnType<string, string | undefined, string>
  secret: string
  enabled: ColumnType<boolean, boolean | undefined, boolean>
  version: RowVersion
  created_at: CreatedAt
  updated_at: Timestamp
}

export interface WebhookEventsTable {
  id: Generated<string>
  type: string
  data: ColumnType<unknown, string, never>
  created_at: CreatedAt
  /** The writing transaction (xid8, as text); set by the database. */
  xid: ColumnType<string, never, never>
  /** Order within the table (bigint, as text); set by the database. */
  seq: ColumnType<string, never, never>
  /** W3C trace context of the request that wrote the event (migration 0007); null when not traced. */
  traceparent: ColumnType<string | null, string | null | undefined, never>
  tracestate: ColumnType<string | null, string | null | undefined, never>
}

export interface WebhookDeliveriesTable {
  id: Generated<string>
  endpoint_id: string
  event_id: string
  status: ColumnType<WebhookDeliveryStatus, WebhookDeliveryStatus | undefined, WebhookDeliveryStatus>
  attempts: ColumnType<number, number | undefined, number>
  next_attempt_at: Timestamp
  last_response_status: ColumnType<number | null, number | null | undefined, number | null>
  last_latency_ms: ColumnType<number | null, number | null | undefined, number | null>
  last_error: ColumnType<string | null, string | null | undefined, string | null>
  created_at: CreatedAt
  updated_at: Timestamp
}

export interface WebhookAttemptsTable {
  id: Generated<string>
  delivery_id: string
  attempt: number
  outcome: 'succeeded' | 'failed'
  response_status: number | null
  latency_ms: number
  error: string | null
  created_at: CreatedAt
}

export type AuditActorType = 'user' | 'api_key'

/** Append-only (migration 0004): the database refuses UPDATE, TRUNCATE and DELETE except the retention purge's. */
export interface AuditEventsTable {
  id: Generated<string>
  at: CreatedAt
  actor_type: AuditActorType
  actor_id: string
  action: string
  resource_type: string
  resource_id: string
  /** {field: [before, after]}, a JSON object (jsonb): written as JSON text. */
  changes: ColumnType<Record<string, [unknown, unknown]>, string, never>
  request_id: string
  /** The writing transaction (xid8, as text) and the order within the table (bigint, as text), migration 0009; set by the database. */
  xid: ColumnType<string, never, never>
  seq: ColumnType<string, never, never>
}

/** Migration 0006: only the SHA-256 of a key is stored; a roll lowers the old key's expires_at. Its version: 0008. */
export interface ApiKeysTable {
  id: Generated<string>
  user_id: string
  name: string
  prefix: string
  key_hash: string
  scopes: string[]
  created_at: CreatedAt
  expires_at: ColumnType<Date, Date | string, Date | string>
  revoked_at: NullableTimestamp
  last_used_at: NullableTimestamp
  /** Set by a roll: a rolled key is not rolled again (its successor is). */
  rolled_at: NullableTimestamp
  version: RowVersion
}

export interface Database {
  users: UsersTable
  refresh_tokens: RefreshTokensTable
  customers: CustomersTable
  products: ProductsTable
  orders: OrdersTable
  order_items: OrderItemsTable
  idempotency_keys: IdempotencyKeysTable
  webhook_endpoints: WebhookEndpointsTable
  webhook_events: WebhookEventsTable
  webhook_deliveries: WebhookDeliveriesTable
  webhook_attempts: WebhookAttemptsTable
  audit_events: AuditEventsTable
  api_keys: ApiKeysTable
}

export type UserRow = Selectable<UsersTable>
export type NewUser = Insertable<UsersTable>
export type CustomerRow = Selectable<CustomersTable>
export type CustomerUpdate = Updateable<CustomersTable>
export type ProductRow = Selectable<ProductsTable>
export type ProductUpdate = Updateable<ProductsTable>
export type OrderRow = Selectable<OrdersTable>
export type OrderItemRow = Selectable<OrderItemsTable>
export type RefreshTokenRow = Selectable<RefreshTokensTable>

/** The service's database handle, as the repositories and services take it. */
export type Db = Kysely<Database>
