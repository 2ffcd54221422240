import { randomBytes } from 'node:crypto'
import { isIP } from 'node:net'
import type { TSchema } from 'typebox'
import { Value } from 'typebox/value'
import { EnvSchema, type Env } from '../schemas/env.js'

export type AppEnv = 'development' | 'production' | 'test'
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent'

export type DatabaseConfig =
  | { kind: 'postgres', url: string, poolMax: number, acquireTimeoutMs: number, statementTimeoutMs: number }
  | { kind: 'pglite', dataDir: string | null }

export interface AppConfig {
  env: AppEnv
  port: number
  host: string
  logLevel: LogLevel
  database: DatabaseConfig
  migrateOnStart: boolean
  redis: RedisConfig | null
  jwt: {
    secret: string
    /** true when no JWT_SECRET was given and a random one was made for this process */
    ephemeralSecret: boolean
    accessTtlSeconds: number
    refreshTtlSeconds: number
    issuer: string
    audience: string
  }
  corsOrigins: string[] | '*'
  /** Where clients reach the service (the OpenAPI `servers` URL): PUBLIC_URL, default relative `/`. */
  publicUrl: string
  rateLimit: { max: number, windowMs: number, authMax: number }
  /** true, a comma list of addresses/CIDRs, or a hop count turned into a predicate */
  trustProxy: boolean | string | ((address: string, hop: number) => boolean)
  admin: { email: string, password: string } | null
  currency: string
  shutdownTimeoutMs: number
  /** After SIGTERM, keep serving (readiness 503) this long before closing the listener. */
  shutdownDrainMs: number
  /** The whole boot must finish within this; server.ts exits 1 naming the step that hung. */
  startupTimeoutMs: number
  webhooks: WebhookConfig
  /** The events feed (GET /api/events): events older than this are purged; older cursors get 410. */
  events: { retentionDays: number }
  /** Audit events older than this are purged by the retention job (background.ts). */
  audit: { retentionDays: number }
  /** Slow clients get 408 and are disconnected past these (SPEC §4). */
  httpTimeouts: HttpTimeouts
  /** Where Prometheus scrapes /metrics; in production the API port does not serve it. */
  metrics: { host: string, port: number }
}

export interface HttpTimeouts {
  /** The request line and headers must arrive within this (HEADERS_TIMEOUT_MS). */
  headersMs: number
  /** The whole request, body included, must arrive within this (REQUEST_TIMEOUT_MS). */
  requestMs: number
  /** An idle keep-alive connection is closed after this (KEEP_ALIVE_TIMEOUT_MS): above common load balancers' 60 s. */
  keepAliveMs: number
}

export interface RedisConfig {
  url: string
  keyPrefix: string
  /** Deadline of each call on the request path (REDIS_COMMAND_TIMEOUT_MS). */
  commandTimeoutMs: number
  /** The circuit breaker shared by every Redis user on the request path. */
  breaker: { failureThreshold: number, cooldownMs: number }
}

export interface WebhookConfig {
  /** Run the delivery worker in this process (WEBHOOK_WORKER, default true). */
  worker: boolean
  pollIntervalMs: number
  /** Backoff before retry n is a random delay in [0, min(maxDelay, base * 2^(n-1))). */
  retryBaseMs: number
  retryMaxDelayMs: number
  /** After this long since the event, a failing delivery is marked failed. */
  maxRetryAgeMs: number
  /** Lifts the SSRF guard (https only, no private/loopback/link-local/metadata targets). */
  allowPrivateTargets: boolean
}

export class ConfigError extends Error {
  constructor (readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`)
    this.name = 'ConfigError'
  }
}

/**
 * Secrets that appear in docs, examples and the committed development manifests (k8s/11-secret.yaml,
 * .env.example): anyone can read them, so production refuses them unless ALLOW_DEV_SECRETS=true
 * says the deployment is a throwaway one (the minikube manifests do).
 */
const PLACEHOLDER_SECRETS = new Set([
  'changeme', 'change-me', 'secret', 'please-change-me', 'dev-secret-change-me-dev-secret-change-me',
  'replace-me-with-at-least-32-random-bytes', 'dev-only-jwt-secret-do-not-use-in-production-7f3a9c2e51d8'
])
/** The admin passwords the repository publishes (k8s/11-secret.yaml, .env.example): default credentials. */
const PUBLISHED_ADMIN_PASSWORDS = new Set(['dev-only-admin-password', 'change-me-admin-password'])

/** Generous: a first boot on a busy machine (PGlite start, long migrations) must not fail for being slow. */
export const DEFAULT_STARTUP_TIMEOUT_MS = 5 * 60 * 1000

const UNIT_SECONDS = { s: 1, m: 60, h: 3600, d: 86400 } as const

export function parseDurationSeconds (value: string): number {
  const unit = value.at(-1)
  if (unit !== undefined && unit in UNIT_SECONDS) {
    return Number(value.slice(0, -1)) * UNIT_SECONDS[unit as keyof typeof UNIT_SECONDS]
  }
  return Number(value)
}

function parseBool (value: string | undefined, fallback: boolean): boolean {
  if (value === undefined) return fallback
  return value === 'true' || value === '1'
}

function parseTrustProxy (value: string | undefined): AppConfig['trustProxy'] {
  if (value === undefined || value === '' || value === 'false') return false
  if (value === 'true') return true
  if (/^[0-9]+$/.test(value)) {
    const hops = Number(value)
    return (_address, hop) => hop < hops
  }
  return value
}

/** The allowed values of a union of literals (APP_ENV, LOG_LEVEL, booleans), else null. */
function literalsOf (schema: TSchema): string[] | null {
  if (!('anyOf' in schema) || !Array.isArray(schema.anyOf)) return null
  const values = schema.anyOf.map((branch: unknown) => typeof branch === 'object' && branch !== null && 'const' in branch ? String(branch.const) : null)
  return values.every((value): value is string => value !== null) ? values : null
}

/** A TRUST_PROXY address list: IPs, CIDR ranges and proxy-addr's names, comma-separated. */
const PROXY_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal'])
function isAddressList (value: string): boolean {
  return value.split(',').every((item) => {
    const [address = '', prefix, ...rest] = item.trim().split('/')
    if (rest.length > 0) return false
    if (prefix === undefined) return PROXY_NAMES.has(address) || isIP(address) !== 0
    const bits = isIP(address) === 4 ? 32 : isIP(address) === 6 ? 128 : 0
    return bits > 0 && ((/^[0-9]{1,3}$/.test(prefix) && Number(prefix) <= bits) || (bits === 32 && isIP(prefix) === 4))
  })
}

/** A browser's Origin: scheme://host[:port], never a path (`https://shop.example/` would match no request). */
const ORIGIN = /^[a-z][a-z0-9+.-]*:\/\/[^/?#\s,]+$/i

/** Comma-list variables a schema pattern would describe badly: each with its own check and words. */
const LIST_CHECKS: Record<string, { valid: (value: string) => boolean, message: string }> = {
  TRUST_PROXY: {
    valid: (value) => /^(true|false|[0-9]+)$/.test(value) || isAddressList(value),
    message: 'must be true, false, a hop count, or a comma list of IP addresses, CIDR ranges, loopback, linklocal or uniquelocal'
  },
  CORS_ORIGINS: {
    valid: (value) => value.trim() === '*' || value.split(',').map((origin) => origin.trim()).filter((origin) => origin !== '').every((origin) => ORIGIN.test(origin)),
    message: 'must be * or a comma list of origins, each scheme://host[:port] with no path (e.g. https://shop.example, http://localhost:3000)'
  }
}

/** Variables whose value is a secret: a refusal names them without it. */
const SECRET_VARIABLES = new Set(['JWT_SECRET', 'DB_PASSWORD', 'ADMIN_PASSWORD'])
/** Variables that may carry a password in their URL's user info. */
const CREDENTIAL_URL_VARIABLES = new Set(['DATABASE_URL', 'REDIS_URL'])

/** How a refused value is shown: as given, but never a secret (a URL's user info is masked). */
function shownValue (name: string, value: string): string {
  if (SECRET_VARIABLES.has(name)) return '(hidden)'
  // Everything up to the last @ after the scheme's // is user info, however malformed the rest.
  // pg also takes the password as a query parameter.
  if (CREDENTIAL_URL_VARIABLES.has(name)) return JSON.stringify(value.replace(/^(.*?\/\/)?.*@/s, '$1***@').replace(/([?&]password=)[^&#]*/gi, '$1***'))
  return JSON.stringify(value)
}

/**
 * The environment, converted, and one line per bad variable: every variable is checked on its
 * own, so one bad value never hides another (an enum lists its allowed values).
 */
function validateEnv (raw: Record<string, string | undefined>): { env: Env, problems: string[], bad: Set<string> } {
  const known = Object.fromEntries(
    Object.keys(EnvSchema.properties)
      .filter((key) => raw[key] !== undefined && raw[key] !== '')
      .map((key) => [key, raw[key]])
  )
  const converted = Value.Convert(EnvSchema, known)
  const values: Record<string, unknown> = typeof converted === 'object' && converted !== null ? { ...converted } : {}
  const problems: string[] = []
  const bad = new Set<string>()
  for (const [name, schema] of Object.entries<TSchema>(EnvSchema.properties)) {
    if (!(name in known)) continue
    const value = values[name]
    const shown = shownValue(name, raw[name] ?? '')
    const allowed = literalsOf(schema)
    let message: string | undefined
    const listCheck = LIST_CHECKS[name]
    if (!Value.Check(schema, value)) message = allowed !== null ? `must be one of ${allowed.join(', ')}` : [...Value.Errors(schema, value)][0]?.message ?? 'is not valid'
    // Value.Convert reads numbers as JavaScript does (`0x1F90`, `1e3`, ` 80 `): an integer is written in decimal digits.
    else if (typeof value === 'number' && !/^-?[0-9]+$/.test(raw[name] ?? '')) message = 'must be an integer in decimal digits'
    else if (listCheck !== undefined && typeof value === 'string' && !listCheck.valid(value)) message = listCheck.message
    if (message === undefined) continue
    bad.add(name)
    delete values[name]
    problems.push(`${name}=${shown}: ${message}`)
  }
  // Every bad value was removed above, so what remains matches the schema.
  if (Value.Check(EnvSchema, values)) return { env: values, problems, bad }
  return { env: {}, problems: [...problems, 'the environment does not match schemas/env.ts'], bad }
}

/** Defaults of the request path's deadlines on its dependencies (README, "Configuration"). */
export const DEFAULT_DEADLINES = {
  DB_ACQUIRE_TIMEOUT_MS: 2000,
  DB_STATEMENT_TIMEOUT_MS: 10_000,
  REDIS_COMMAND_TIMEOUT_MS: 50,
  REDIS_BREAKER_FAILURES: 5,
  REDIS_BREAKER_COOLDOWN_MS: 1000
} as const

/**
 * A host as a URL spells it (an IPv6 address in brackets), or null when a URL cannot carry it:
 * the URL's hostname setter ignores such a value and would leave the default host in place.
 */
function urlHost (host: string): string | null {
  // The setter would keep what comes before one of these (`pg/db` -> `pg`).
  if (/[\s/\\?#@[\]]/.test(host)) return null
  const spelled = host.includes(':') ? `[${host}]` : host
  const url = new URL('postgres://placeholder.invalid')
  url.hostname = spelled
  return url.hostname === 'placeholder.invalid' ? null : url.hostname
}

function databaseConfig (env: Env, appEnv: AppEnv): DatabaseConfig {
  const pool = {
    poolMax: env.DB_POOL_MAX ?? 10,
    acquireTimeoutMs: env.DB_ACQUIRE_TIMEOUT_MS ?? DEFAULT_DEADLINES.DB_ACQUIRE_TIMEOUT_MS,
    statementTimeoutMs: env.DB_STATEMENT_TIMEOUT_MS ?? DEFAULT_DEADLINES.DB_STATEMENT_TIMEOUT_MS
  }
  if (env.DATABASE_URL !== undefined) return { kind: 'postgres', url: env.DATABASE_URL, ...pool }
  if (env.DB_HOST !== undefined) {
    const url = new URL('postgres://localhost')
    url.hostname = urlHost(env.DB_HOST) ?? 'localhost'
    url.port = String(env.DB_PORT ?? 5432)
    url.username = env.DB_USER ?? 'postgres'
    url.password = env.DB_PASSWORD ?? ''
    url.pathname = `/${env.DB_NAME ?? 'goshop'}`
    return { kind: 'postgres', url: url.toString(), ...pool }
  }
  const dataDir = env.PGLITE_DATA_DIR === 'memory' ? null : env.PGLITE_DATA_DIR ?? (appEnv === 'test' ? null : './.data')
  return { kind: 'pglite', dataDir }
}

function redisConfig (env: Env): AppConfig['redis'] {
  const url = env.REDIS_URL ?? (env.REDIS_HOST !== undefined ? `redis://${urlHost(env.REDIS_HOST) ?? 'localhost'}:${env.REDIS_PORT ?? 6379}` : undefined)
  if (url === undefined) return null
  return {
    url,
    keyPrefix: env.REDIS_KEY_PREFIX ?? 'goshop:',
    commandTimeoutMs: env.REDIS_COMMAND_TIMEOUT_MS ?? DEFAULT_DEADLINES.REDIS_COMMAND_TIMEOUT_MS,
    breaker: {
      failureThreshold: env.REDIS_BREAKER_FAILURES ?? DEFAULT_DEADLINES.REDIS_BREAKER_FAILURES,
      cooldownMs: env.REDIS_BREAKER_COOLDOWN_MS ?? DEFAULT_DEADLINES.REDIS_BREAKER_COOLDOWN_MS
    }
  }
}

function jwtSecret (env: Env, appEnv: AppEnv, problems: string[]): { secret: string, ephemeralSecret: boolean } {
  const secret = env.JWT_SECRET
  if (secret === undefined) {
    if (appEnv === 'production') problems.push('JWT_SECRET: required in production (at least 32 bytes of random data)')
    return { secret: randomBytes(48).toString('base64url'), ephemeralSecret: true }
  }
  if (Buffer.byteLength(secret) < 32) problems.push('JWT_SECRET=(hidden): must be at least 32 bytes long')
  else if (appEnv === 'production' && !parseBool(env.ALLOW_DEV_SECRETS, false) && PLACEHOLDER_SECRETS.has(secret.toLowerCase())) {
    problems.push('JWT_SECRET=(hidden): is a published placeholder (anyone could sign tokens); generate a random secret, e.g. openssl rand -hex 32')
  }
  return { secret, ephemeralSecret: false }
}

/** Secrets this deployment runs with that the repository publishes (allowed only with ALLOW_DEV_SECRETS=true): logged loudly at start. */
export function publishedSecretsIn (config: Pick<AppConfig, 'jwt' | 'admin'>): string[] {
  return [
    ...(PLACEHOLDER_SECRETS.has(config.jwt.secret.toLowerCase()) ? ['JWT_SECRET'] : []),
    ...(config.admin !== null && PUBLISHED_ADMIN_PASSWORDS.has(config.admin.password.toLowerCase()) ? ['ADMIN_PASSWORD'] : [])
  ]
}

/**
 * NODE_ENV, read only while APP_ENV is unset: an operator who sets the ecosystem's usual
 * NODE_ENV=production gets production's defaults (the metrics port, no CORS, a required
 * JWT_SECRET) rather than development's. Other NODE_ENV values mean nothing here.
 */
function appEnvOfNodeEnv (nodeEnv: string | undefined): AppEnv | undefined {
  return nodeEnv === 'production' || nodeEnv === 'development' || nodeEnv === 'test' ? nodeEnv : undefined
}

/**
 * Reads and validates the environment. Throws a ConfigError naming every bad
 * variable; server.ts prints it and exits 1.
 */
export function loadConfig (raw: Record<string, string | undefined> = process.env): AppConfig {
  const { env, problems, bad } = validateEnv(raw)
  const appEnv: AppEnv = env.APP_ENV ?? appEnvOfNodeEnv(env.NODE_ENV) ?? 'development'
  const { secret, ephemeralSecret } = jwtSecret(env, appEnv, problems)
  if (!bad.has('ADMIN_EMAIL') && !bad.has('ADMIN_PASSWORD') && (env.ADMIN_EMAIL === undefined) !== (env.ADMIN_PASSWORD === undefined)) {
    problems.push('ADMIN_EMAIL / ADMIN_PASSWORD: set both or neither')
  }
  if (appEnv === 'production' && !parseBool(env.ALLOW_DEV_SECRETS, false) && env.ADMIN_PASSWORD !== undefined && PUBLISHED_ADMIN_PASSWORDS.has(env.ADMIN_PASSWORD.toLowerCase())) {
    problems.push('ADMIN_PASSWORD=(hidden): is published in this repository (default credentials); choose your own')
  }
  const httpTimeouts: HttpTimeouts = {
    headersMs: env.HEADERS_TIMEOUT_MS ?? 10_000,
    requestMs: env.REQUEST_TIMEOUT_MS ?? 30_000,
    keepAliveMs: env.KEEP_ALIVE_TIMEOUT_MS ?? 72_000
  }
  // Node refuses a headers deadline past the whole request's.
  if (!bad.has('HEADERS_TIMEOUT_MS') && !bad.has('REQUEST_TIMEOUT_MS') && httpTimeouts.headersMs > httpTimeouts.requestMs) {
    problems.push(`HEADERS_TIMEOUT_MS=${httpTimeouts.headersMs}: must not exceed REQUEST_TIMEOUT_MS (${httpTimeouts.requestMs})`)
  }
  const port = env.PORT ?? 8080
  const metricsPort = env.METRICS_PORT ?? 9464
  if (!bad.has('PORT') && !bad.has('METRICS_PORT') && metricsPort === port) problems.push(`METRICS_PORT=${metricsPort}: must differ from PORT`)
  // A host a URL cannot carry would silently become localhost (a sidecar's database, say).
  for (const name of ['DB_HOST', 'REDIS_HOST'] as const) {
    const host = env[name]
    if (host !== undefined && urlHost(host) === null) problems.push(`${name}=${host}: not a host name or IP address`)
  }
  const database = databaseConfig(env, appEnv)
  // The image's /app is read-only to the app: the embedded default (./.data) would fail there at start.
  // A refused DATABASE_URL or DB_HOST was set: its own line says what is wrong with it.
  if (appEnv === 'production' && database.kind === 'pglite' && env.PGLITE_DATA_DIR === undefined && !bad.has('DATABASE_URL') && !bad.has('DB_HOST')) {
    problems.push('DATABASE_URL: required in production (or DB_HOST and the other DB_* variables); to run the embedded database on purpose, set PGLITE_DATA_DIR to a writable volume')
  }
  if (problems.length > 0) throw new ConfigError(problems)

  const cors = env.CORS_ORIGINS?.trim()
  return {
    env: appEnv,
    port,
    host: env.HOST ?? (appEnv === 'production' ? '0.0.0.0' : '127.0.0.1'),
    logLevel: env.LOG_LEVEL ?? (appEnv === 'test' ? 'silent' : 'info'),
    database,
    migrateOnStart: parseBool(env.MIGRATE_ON_START, appEnv !== 'production' || database.kind === 'pglite'),
    redis: redisConfig(env),
    jwt: {
      secret,
      ephemeralSecret,
      accessTtlSeconds: parseDurationSeconds(env.JWT_ACCESS_TTL ?? '15m'),
      refreshTtlSeconds: parseDurationSeconds(env.JWT_REFRESH_TTL ?? '7d'),
      issuer: env.JWT_ISSUER ?? 'goshop-api',
      audience: env.JWT_AUDIENCE ?? 'goshop-clients'
    },
    corsOrigins: cors === undefined
      ? (appEnv === 'production' ? [] : '*')
      : cors === '*' ? '*' : cors.split(',').map((o) => o.trim()).filter((o) => o !== ''),
    publicUrl: env.PUBLIC_URL ?? '/',
    rateLimit: {
      max: env.RATE_LIMIT_MAX ?? 300,
      windowMs: parseDurationSeconds(env.RATE_LIMIT_WINDOW ?? '1m') * 1000,
      authMax: env.RATE_LIMIT_AUTH_MAX ?? 10
    },
    trustProxy: parseTrustProxy(env.TRUST_PROXY),
    admin: env.ADMIN_EMAIL !== undefined && env.ADMIN_PASSWORD !== undefined
      ? { email: env.ADMIN_EMAIL.trim().toLowerCase(), password: env.ADMIN_PASSWORD }
      : null,
    currency: env.STORE_CURRENCY ?? 'EUR',
    shutdownTimeoutMs: env.SHUTDOWN_TIMEOUT_MS ?? 10000,
    shutdownDrainMs: env.SHUTDOWN_DRAIN_MS ?? 0,
    webhooks: {
      worker: parseBool(env.WEBHOOK_WORKER, true),
      pollIntervalMs: env.WEBHOOK_POLL_INTERVAL_MS ?? 1000,
      retryBaseMs: env.WEBHOOK_RETRY_BASE_MS ?? 5000,
      retryMaxDelayMs: env.WEBHOOK_RETRY_MAX_DELAY_MS ?? 3_600_000,
      maxRetryAgeMs: parseDurationSeconds(env.WEBHOOK_MAX_RETRY_AGE ?? '24h') * 1000,
      allowPrivateTargets: parseBool(env.WEBHOOK_ALLOW_PRIVATE_TARGETS, appEnv !== 'production')
    },
    events: { retentionDays: env.EVENT_RETENTION_DAYS ?? 30 },
    audit: { retentionDays: env.AUDIT_RETENTION_DAYS ?? 365 },
    startupTimeoutMs: env.STARTUP_TIMEOUT_MS ?? DEFAULT_STARTUP_TIMEOUT_MS,
    httpTimeouts,
    metrics: { host: env.METRICS_HOST ?? (appEnv === 'production' ? '0.0.0.0' : '127.0.0.1'), port: metricsPort }
  }
}
