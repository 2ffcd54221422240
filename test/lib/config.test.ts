import { suite } from '../helpers/suite.js'
import { ConfigError, loadConfig, parseDurationSeconds, publishedSecretsIn } from '../../lib/config.js'

const STRONG_SECRET = 'a-production-secret-with-more-than-32-bytes-of-entropy-1234'

function problemsOf (env: Record<string, string>): string[] {
  try {
    loadConfig(env)
  } catch (error) {
    if (error instanceof ConfigError) return error.problems
    throw error
  }
  return []
}

export default suite(import.meta, (t) => {
  t.test('defaults give the embedded development setup', async (t) => {
    const config = loadConfig({})
    t.equal(config.env, 'development')
    t.equal(config.port, 8080)
    t.same(config.database, { kind: 'pglite', dataDir: './.data' })
    t.equal(config.redis, null)
    t.equal(config.migrateOnStart, true)
    t.equal(config.currency, 'EUR')
    t.equal(config.jwt.ephemeralSecret, true)
    t.ok(config.jwt.secret.length >= 32)
    t.equal(config.jwt.accessTtlSeconds, 900)
    t.equal(config.jwt.refreshTtlSeconds, 7 * 86400)
  })

  t.test('numbers, durations and lists are parsed', async (t) => {
    const config = loadConfig({
      PORT: '9000',
      DB_POOL_MAX: '25',
      DATABASE_URL: 'postgres://u:p@db:5432/shop',
      REDIS_HOST: 'cache',
      REDIS_PORT: '6380',
      CORS_ORIGINS: 'https://a.example, https://b.example',
      RATE_LIMIT_WINDOW: '30s',
      JWT_ACCESS_TTL: '5m',
      STORE_CURRENCY: 'USD'
    })
    t.equal(config.port, 9000)
    t.same(config.database, { kind: 'postgres', url: 'postgres://u:p@db:5432/shop', poolMax: 25, acquireTimeoutMs: 2000, statementTimeoutMs: 10_000 })
    t.same(config.redis, { url: 'redis://cache:6380', keyPrefix: 'goshop:', commandTimeoutMs: 50, breaker: { failureThreshold: 5, cooldownMs: 1000 } })
    t.same(config.corsOrigins, ['https://a.example', 'https://b.example'])
    t.equal(config.rateLimit.windowMs, 30000)
    t.equal(config.jwt.accessTtlSeconds, 300)
    t.equal(config.currency, 'USD')
  })

  t.test('the deadlines on Postgres and Redis are configurable', async (t) => {
    const config = loadConfig({
      DATABASE_URL: 'postgres://u:p@db:5432/shop',
      DB_ACQUIRE_TIMEOUT_MS: '300',
      DB_STATEMENT_TIMEOUT_MS: '4000',
      REDIS_URL: 'redis://cache:6379',
      REDIS_COMMAND_TIMEOUT_MS: '20',
      REDIS_BREAKER_FAILURES: '3',
      REDIS_BREAKER_COOLDOWN_MS: '2500'
    })
    t.match(config.database, { acquireTimeoutMs: 300, statementTimeoutMs: 4000 })
    t.match(config.redis, { commandTimeoutMs: 20, breaker: { failureThreshold: 3, cooldownMs: 2500 } })
    const problems = problemsOf({ DB_ACQUIRE_TIMEOUT_MS: '0', DB_STATEMENT_TIMEOUT_MS: 'soon', REDIS_COMMAND_TIMEOUT_MS: '-5', REDIS_BREAKER_FAILURES: '0', REDIS_BREAKER_COOLDOWN_MS: '1.5' })
    for (const name of ['DB_ACQUIRE_TIMEOUT_MS', 'DB_STATEMENT_TIMEOUT_MS', 'REDIS_COMMAND_TIMEOUT_MS', 'REDIS_BREAKER_FAILURES', 'REDIS_BREAKER_COOLDOWN_MS']) {
      t.ok(problems.some((p) => p.startsWith(`${name}=`)), `${name} is named`)
    }
  })

  t.test('DB_* variables build a connection URL', async (t) => {
    const config = loadConfig({ DB_HOST: 'pg.internal', DB_PORT: '6543', DB_USER: 'shop', DB_PASSWORD: 's3cr@t', DB_NAME: 'goshop' })
    t.equal(config.database.kind, 'postgres')
    if (config.database.kind === 'postgres') t.equal(config.database.url, 'postgres://shop:s3cr%40t@pg.internal:6543/goshop')
    const v6 = loadConfig({ DB_HOST: 'fd00::5', REDIS_HOST: '::1' })
    t.match(v6.database, { url: 'postgres://postgres@[fd00::5]:5432/goshop' }, 'an IPv6 address is bracketed')
    t.equal(v6.redis?.url, 'redis://[::1]:6379')
    for (const host of ['db.invalid host', 'pg/db', 'a@b']) {
      t.same(problemsOf({ DB_HOST: host }), [`DB_HOST=${host}: not a host name or IP address`], `DB_HOST=${host} is refused, not taken as localhost`)
      t.same(problemsOf({ REDIS_HOST: host }), [`REDIS_HOST=${host}: not a host name or IP address`])
    }
  })

  t.test('integers are decimal digits, not whatever JavaScript reads as a number', async (t) => {
    for (const value of ['0x1F90', '1e3', ' 8080', '8080.0', '0b1']) t.same(problemsOf({ PORT: value }), [`PORT=${JSON.stringify(value)}: must be an integer in decimal digits`], `PORT=${value}`)
    t.equal(loadConfig({ PORT: '8081' }).port, 8081)
  })

  t.test('durations are positive: a zero window or TTL would turn the feature off', async (t) => {
    for (const name of ['RATE_LIMIT_WINDOW', 'JWT_ACCESS_TTL', 'JWT_REFRESH_TTL', 'WEBHOOK_MAX_RETRY_AGE']) {
      for (const value of ['0', '0s', '00m']) t.ok(problemsOf({ [name]: value }).some((p) => p.startsWith(`${name}=`)), `${name}=${value} is refused, named`)
    }
    t.equal(loadConfig({ RATE_LIMIT_WINDOW: '05s' }).rateLimit.windowMs, 5000)
  })

  t.test('each bad variable is named in the error', async (t) => {
    const problems = problemsOf({ PORT: 'eighty', APP_ENV: 'staging', DB_POOL_MAX: '0', STORE_CURRENCY: 'euro', REDIS_URL: 'http://x' })
    for (const name of ['PORT', 'APP_ENV', 'DB_POOL_MAX', 'STORE_CURRENCY', 'REDIS_URL']) {
      t.ok(problems.some((p) => p.startsWith(`${name}=`)), `${name} is reported`)
    }
  })

  t.test('every bad variable gets one line, whatever else is wrong; enums list their values', async (t) => {
    const problems = problemsOf({ LOG_LEVEL: 'loud', DB_POOL_MAX: '0', RATE_LIMIT_MAX: '-3', STORE_CURRENCY: 'euro', JWT_SECRET: 'short', TRUST_PROXY: 'banana' })
    t.same(problems.map((p) => p.split(/[=:]/)[0]).sort(), ['DB_POOL_MAX', 'JWT_SECRET', 'LOG_LEVEL', 'RATE_LIMIT_MAX', 'STORE_CURRENCY', 'TRUST_PROXY'], 'each named once')
    t.ok(problems.includes('LOG_LEVEL="loud": must be one of fatal, error, warn, info, debug, trace, silent'), 'the allowed levels')
    t.ok(problems.some((p) => p.startsWith('TRUST_PROXY="banana": must be true, false, a hop count, or a comma list')), 'TRUST_PROXY is validated, not thrown at start')
    for (const trustProxy of ['loopback, 10.0.0.0/8', '192.168.1.1', '::1', 'fd00::/8', '10.0.0.0/255.0.0.0', 'uniquelocal']) {
      t.same(problemsOf({ TRUST_PROXY: trustProxy }), [], `TRUST_PROXY=${trustProxy}`)
    }
    for (const origins of ['x', 'shop.example', 'https://shop.example/', 'https://shop.example/app', 'https://a.example, *', 'https://shop.example?x=1']) {
      t.same(problemsOf({ CORS_ORIGINS: origins }), [`CORS_ORIGINS=${JSON.stringify(origins)}: must be * or a comma list of origins, each scheme://host[:port] with no path (e.g. https://shop.example, http://localhost:3000)`], `CORS_ORIGINS=${origins} is refused, named`)
    }
    for (const origins of ['*', ' * ', '', 'https://shop.example', 'https://a.example, http://localhost:3000,', 'capacitor://localhost']) {
      t.same(problemsOf({ CORS_ORIGINS: origins }), [], `CORS_ORIGINS=${origins}`)
    }
    for (const trustProxy of ['10.0.0.0/33', '10.0.0.1/8/1', 'proxy.example']) {
      t.equal(problemsOf({ TRUST_PROXY: trustProxy }).length, 1, `TRUST_PROXY=${trustProxy} is refused`)
    }
    t.same(problemsOf({ HEADERS_TIMEOUT_MS: 'soon', REQUEST_TIMEOUT_MS: '5000' }).map((p) => p.split('=')[0]), ['HEADERS_TIMEOUT_MS'], 'a rule across variables is not judged on a bad one')
  })

  t.test('secrets are never echoed in config errors', async (t) => {
    const problems = problemsOf({ ADMIN_EMAIL: 'admin@example.com', ADMIN_PASSWORD: 'short' })
    t.ok(problems.some((p) => p.startsWith('ADMIN_PASSWORD=(hidden)')))
    t.notOk(problems.join('\n').includes('short"'))
    const urls = problemsOf({ DATABASE_URL: 'postgress://shop:hunter2@db:5432/shop', REDIS_URL: 'redis//:s3cret@cache:6379' })
    t.match(urls, [/^DATABASE_URL="postgress:\/\/\*\*\*@db:5432\/shop": /, /^REDIS_URL="redis\/\/\*\*\*@cache:6379": /], 'a URL\'s user info is masked, however malformed the URL')
    t.notOk(/hunter2|s3cret/.test(urls.join('\n')))
    const inQuery = problemsOf({ APP_ENV: 'production', JWT_SECRET: STRONG_SECRET, DATABASE_URL: 'postgress://u:hunter2@db/shop?sslmode=require&password=hunter2' })
    t.same(inQuery, ['DATABASE_URL="postgress://***@db/shop?sslmode=require&password=***": must match pattern "^postgres(ql)?://"'], 'a password parameter is masked too, and the refused URL is not also "required"')
    t.same(problemsOf({ ALLOW_DEV_SECRETS: 'maybe' }), ['ALLOW_DEV_SECRETS="maybe": must be one of true, false, 1, 0'], 'a flag about secrets is no secret: shown as given')
  })

  t.test('NODE_ENV stands for APP_ENV while APP_ENV is unset', async (t) => {
    t.equal(loadConfig({ NODE_ENV: 'production', JWT_SECRET: STRONG_SECRET, DATABASE_URL: 'postgres://db/shop' }).env, 'production', 'NODE_ENV=production: production defaults')
    t.match(problemsOf({ NODE_ENV: 'production' }), [/^JWT_SECRET: required in production/], 'and production\'s checks')
    t.equal(loadConfig({ NODE_ENV: 'production', APP_ENV: 'development' }).env, 'development', 'APP_ENV wins')
    t.equal(loadConfig({ NODE_ENV: 'staging' }).env, 'development', 'other values mean nothing here')
  })

  t.test('production refuses a missing, short or placeholder JWT_SECRET', async (t) => {
    t.match(problemsOf({ APP_ENV: 'production' }).join('\n'), /JWT_SECRET: required in production/)
    t.match(problemsOf({ APP_ENV: 'production' }).join('\n'), /DATABASE_URL: required in production .*PGLITE_DATA_DIR/, 'no database: not the embedded one in the image\'s read-only /app')
    t.notMatch(problemsOf({ APP_ENV: 'production', PGLITE_DATA_DIR: '/data' }).join('\n'), /DATABASE_URL/, 'the embedded database on a volume, on purpose')
    t.notMatch(problemsOf({ APP_ENV: 'production', DATABASE_URL: 'postgres://db/goshop' }).join('\n'), /DATABASE_URL/)
    t.match(problemsOf({ APP_ENV: 'production', JWT_SECRET: 'too-short' }).join('\n'), /at least 32 bytes/)
    t.match(problemsOf({ APP_ENV: 'production', JWT_SECRET: 'replace-me-with-at-least-32-random-bytes' }).join('\n'), /placeholder/)
    // What k8s/11-secret.yaml and .env.example publish.
    const published = { APP_ENV: 'production', DATABASE_URL: 'postgres://db/shop', JWT_SECRET: 'dev-only-jwt-secret-do-not-use-in-production-7f3a9c2e51d8', ADMIN_EMAIL: 'admin@example.com', ADMIN_PASSWORD: 'dev-only-admin-password' }
    t.same(problemsOf(published).map((p) => p.split('=')[0]), ['JWT_SECRET', 'ADMIN_PASSWORD'], 'the secrets this repository publishes are refused in production')
    t.same(problemsOf({ APP_ENV: 'production', DATABASE_URL: 'postgres://db/shop', JWT_SECRET: STRONG_SECRET, ADMIN_EMAIL: 'admin@example.com', ADMIN_PASSWORD: 'CHANGE-ME-admin-password' }).map((p) => p.split('=')[0]), ['ADMIN_PASSWORD'])
    t.same(problemsOf({ ...published, ALLOW_DEV_SECRETS: 'true' }), [], 'unless the deployment says it is a throwaway one')
    t.same(publishedSecretsIn(loadConfig({ ...published, ALLOW_DEV_SECRETS: 'true' })), ['JWT_SECRET', 'ADMIN_PASSWORD'], 'which start-up then warns about (plugins/app/config.ts)')
    t.same(publishedSecretsIn(loadConfig({ APP_ENV: 'production', JWT_SECRET: STRONG_SECRET, DATABASE_URL: 'postgres://db/shop' })), [])
    t.same(problemsOf({ ...published, APP_ENV: 'development' }), [], 'development takes them')
    const config = loadConfig({ APP_ENV: 'production', JWT_SECRET: STRONG_SECRET, DATABASE_URL: 'postgres://db/shop' })
    t.equal(config.jwt.ephemeralSecret, false)
    t.equal(config.migrateOnStart, false, 'production with Postgres migrates only when asked')
    t.same(config.corsOrigins, [], 'no CORS origins by default in production')
  })

  t.test('admin bootstrap needs both variables', async (t) => {
    t.match(problemsOf({ ADMIN_EMAIL: 'admin@example.com' }).join('\n'), /ADMIN_EMAIL \/ ADMIN_PASSWORD/)
    const config = loadConfig({ ADMIN_EMAIL: 'Admin@Example.com', ADMIN_PASSWORD: 'long enough password' })
    t.same(config.admin, { email: 'admin@example.com', password: 'long enough password' })
  })

  t.test('TRUST_PROXY accepts booleans, hop counts and address lists', async (t) => {
    t.equal(loadConfig({}).trustProxy, false)
    t.equal(loadConfig({ TRUST_PROXY: 'true' }).trustProxy, true)
    t.equal(loadConfig({ TRUST_PROXY: '10.0.0.0/8' }).trustProxy, '10.0.0.0/8')
    const hops = loadConfig({ TRUST_PROXY: '1' }).trustProxy
    t.type(hops, 'function')
    if (typeof hops === 'function') {
      t.equal(hops('10.0.0.1', 0), true)
      t.equal(hops('10.0.0.1', 1), false)
    }
  })

  t.test('durations', async (t) => {
    t.equal(parseDurationSeconds('90'), 90)
    t.equal(parseDurationSeconds('2h'), 7200)
    t.equal(parseDurationSeconds('7d'), 604800)
  })

  t.test('STARTUP_TIMEOUT_MS: generous default, validated', async (t) => {
    t.equal(loadConfig({}).startupTimeoutMs, 300_000)
    t.equal(loadConfig({ STARTUP_TIMEOUT_MS: '60000' }).startupTimeoutMs, 60_000)
    for (const bad of ['0', '999', 'soon', '-5', '1.5', '3600001']) {
      t.match(problemsOf({ STARTUP_TIMEOUT_MS: bad }), [/^STARTUP_TIMEOUT_MS=/], `${bad} is refused`)
    }
  })

  t.test('slow-client deadlines: SPEC defaults, validated, headers within the request deadline', async (t) => {
    t.same(loadConfig({}).httpTimeouts, { headersMs: 10_000, requestMs: 30_000, keepAliveMs: 72_000 })
    t.same(loadConfig({ HEADERS_TIMEOUT_MS: '2000', REQUEST_TIMEOUT_MS: '5000', KEEP_ALIVE_TIMEOUT_MS: '65000' }).httpTimeouts,
      { headersMs: 2000, requestMs: 5000, keepAliveMs: 65_000 })
    for (const name of ['HEADERS_TIMEOUT_MS', 'REQUEST_TIMEOUT_MS', 'KEEP_ALIVE_TIMEOUT_MS']) {
      for (const bad of ['0', '999', 'slow', '1.5']) t.match(problemsOf({ [name]: bad }), [new RegExp(`^${name}=`)], `${name}=${bad} is refused`)
    }
    t.match(problemsOf({ HEADERS_TIMEOUT_MS: '20000', REQUEST_TIMEOUT_MS: '10000' }), [/^HEADERS_TIMEOUT_MS=20000: must not exceed REQUEST_TIMEOUT_MS/])
  })

  t.test('metrics listener: 9464, on all interfaces in production only, never the API port', async (t) => {
    t.same(loadConfig({}).metrics, { host: '127.0.0.1', port: 9464 })
    t.same(loadConfig({ APP_ENV: 'production', JWT_SECRET: STRONG_SECRET, DATABASE_URL: 'postgres://db/shop' }).metrics, { host: '0.0.0.0', port: 9464 })
    t.same(loadConfig({ METRICS_HOST: '10.0.0.5', METRICS_PORT: '9100' }).metrics, { host: '10.0.0.5', port: 9100 })
    t.match(problemsOf({ METRICS_PORT: '70000' }), [/^METRICS_PORT=/])
    t.match(problemsOf({ PORT: '9000', METRICS_PORT: '9000' }), [/^METRICS_PORT=9000: must differ from PORT/])
  })

  t.test('AUDIT_RETENTION_DAYS: a year by default, never under the 30 days the database keeps anyway', async (t) => {
    t.equal(loadConfig({}).audit.retentionDays, 365)
    t.equal(loadConfig({ AUDIT_RETENTION_DAYS: '30' }).audit.retentionDays, 30)
    for (const bad of ['29', '0', '-1', 'forever', '1.5', '36501']) {
      t.match(problemsOf({ AUDIT_RETENTION_DAYS: bad }), [/^AUDIT_RETENTION_DAYS=/], `${bad} is refused`)
    }
  })
})
