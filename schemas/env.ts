import { Type, type Static } from 'typebox'

const Port = Type.Integer({ minimum: 1, maximum: 65535 })
const PositiveInt = Type.Integer({ minimum: 1 })
/** Seconds as an integer, or a number with a unit: 90, 15m, 12h, 7d; never zero (a zero window or TTL turns the feature off). */
const Duration = Type.String({ pattern: '^0*[1-9][0-9]*[smhd]?$' })
const Bool = Type.Union([Type.Literal('true'), Type.Literal('false'), Type.Literal('1'), Type.Literal('0')])
const LogLevel = Type.Union(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)))

/**
 * Every environment variable the service reads. Values arrive as strings and are
 * converted (numbers) before validation; unknown variables are ignored.
 */
export const EnvSchema = Type.Object({
  APP_ENV: Type.Optional(Type.Union([Type.Literal('development'), Type.Literal('production'), Type.Literal('test')])),
  /** Read only while APP_ENV is unset (production, development or test stand for APP_ENV; anything else is ignored). */
  NODE_ENV: Type.Optional(Type.String()),
  PORT: Type.Optional(Port),
  HOST: Type.Optional(Type.String({ minLength: 1 })),
  LOG_LEVEL: Type.Optional(LogLevel),
  DATABASE_URL: Type.Optional(Type.String({ pattern: '^postgres(ql)?://' })),
  DB_HOST: Type.Optional(Type.String({ minLength: 1 })),
  DB_PORT: Type.Optional(Port),
  DB_USER: Type.Optional(Type.String({ minLength: 1 })),
  DB_PASSWORD: Type.Optional(Type.String()),
  DB_NAME: Type.Optional(Type.String({ minLength: 1 })),
  DB_POOL_MAX: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })),
  /** Waiting for a free pool connection (or a new one); past it the request gets a 503. */
  DB_ACQUIRE_TIMEOUT_MS: Type.Optional(Type.Integer({ minimum: 10, maximum: 600000 })),
  /** Postgres statement_timeout of request-serving connections (lock waits included). */
  DB_STATEMENT_TIMEOUT_MS: Type.Optional(Type.Integer({ minimum: 10, maximum: 3600000 })),
  PGLITE_DATA_DIR: Type.Optional(Type.String({ minLength: 1 })),
  MIGRATE_ON_START: Type.Optional(Bool),
  REDIS_URL: Type.Optional(Type.String({ pattern: '^rediss?://' })),
  REDIS_HOST: Type.Optional(Type.String({ minLength: 1 })),
  REDIS_PORT: Type.Optional(Port),
  REDIS_KEY_PREFIX: Type.Optional(Type.String({ maxLength: 100 })),
  /** Deadline of each Redis call on the request path; past it the request goes on without Redis. */
  REDIS_COMMAND_TIMEOUT_MS: Type.Optional(Type.Integer({ minimum: 1, maximum: 60000 })),
  /** Consecutive Redis failures that open the breaker (Redis is then skipped). */
  REDIS_BREAKER_FAILURES: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
  /** How long an open breaker skips Redis before one probe call. */
  REDIS_BREAKER_COOLDOWN_MS: Type.Optional(Type.Integer({ minimum: 10, maximum: 600000 })),
  JWT_SECRET: Type.Optional(Type.String()),
  JWT_ACCESS_TTL: Type.Optional(Duration),
  JWT_REFRESH_TTL: Type.Optional(Duration),
  JWT_ISSUER: Type.Optional(Type.String({ minLength: 1 })),
  JWT_AUDIENCE: Type.Optional(Type.String({ minLength: 1 })),
  CORS_ORIGINS: Type.Optional(Type.String()),
  PUBLIC_URL: Type.Optional(Type.String({ pattern: '^(/|https?://[^/?#\\s]+)[^?#\\s]*$', maxLength: 2048 })),
  RATE_LIMIT_MAX: Type.Optional(PositiveInt),
  RATE_LIMIT_WINDOW: Type.Optional(Duration),
  RATE_LIMIT_AUTH_MAX: Type.Optional(PositiveInt),
  TRUST_PROXY: Type.Optional(Type.String()),
  ADMIN_EMAIL: Type.Optional(Type.String({ format: 'email' })),
  ADMIN_PASSWORD: Type.Optional(Type.String({ minLength: 8, maxLength: 128 })),
  /** Production normally refuses the secrets this repository publishes; true lets a throwaway deployment (minikube) use them. */
  ALLOW_DEV_SECRETS: Type.Optional(Bool),
  STORE_CURRENCY: Type.Optional(Type.String({ pattern: '^[A-Z]{3}$' })),
  SHUTDOWN_TIMEOUT_MS: Type.Optional(Type.Integer({ minimum: 0, maximum: 600000 })),
  SHUTDOWN_DRAIN_MS: Type.Optional(Type.Integer({ minimum: 0, maximum: 600000 })),
  WEBHOOK_WORKER: Type.Optional(Bool),
  WEBHOOK_POLL_INTERVAL_MS: Type.Optional(Type.Integer({ minimum: 10, maximum: 600000 })),
  WEBHOOK_RETRY_BASE_MS: Type.Optional(Type.Integer({ minimum: 1, maximum: 3600000 })),
  WEBHOOK_RETRY_MAX_DELAY_MS: Type.Optional(Type.Integer({ minimum: 1, maximum: 86400000 })),
  WEBHOOK_MAX_RETRY_AGE: Type.Optional(Duration),
  WEBHOOK_ALLOW_PRIVATE_TARGETS: Type.Optional(Bool),
  /** Slow clients (SPEC §4): headers, then the whole request, must arrive within these; idle keep-alive sockets close. */
  HEADERS_TIMEOUT_MS: Type.Optional(Type.Integer({ minimum: 1000, maximum: 600000 })),
  REQUEST_TIMEOUT_MS: Type.Optional(Type.Integer({ minimum: 1000, maximum: 3600000 })),
  KEEP_ALIVE_TIMEOUT_MS: Type.Optional(Type.Integer({ minimum: 1000, maximum: 600000 })),
  /** The Prometheus listener (the only place /metrics is served in production). */
  METRICS_HOST: Type.Optional(Type.String({ minLength: 1 })),
  METRICS_PORT: Type.Optional(Port),
  /** At least 30: the database refuses to delete younger audit events (migration 0004). */
  AUDIT_RETENTION_DAYS: Type.Optional(Type.Integer({ minimum: 30, maximum: 36500 })),
  /** The events feed's retention (GET /api/events): older events are purged, older cursors get 410. */
  EVENT_RETENTION_DAYS: Type.Optional(Type.Integer({ minimum: 1, maximum: 3650 })),
  /** One deadline for the whole boot (database start, migrations, Redis, bootstrap, listen). */
  STARTUP_TIMEOUT_MS: Type.Optional(Type.Integer({ minimum: 1000, maximum: 3600000 }))
})

export type Env = Static<typeof EnvSchema>
