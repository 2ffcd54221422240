import { randomBytes } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import type { DestinationStream } from 'pino'
import { buildApp, type BuildAppOptions } from '../../app.js'
import { loadConfig } from '../../lib/config.js'
import type { Tracing } from '../../lib/tracing/provider.js'
import { createTestDatabase, usingRealPostgres, type TestContext } from './database.js'
import { borrowEmbeddedDatabase } from './embedded-databases.js'

export const TEST_JWT_SECRET = 'test-secret-that-is-long-enough-for-hs256-0123456789'

export interface TestAppOptions {
  /** Extra or overriding environment variables for loadConfig. */
  env?: Record<string, string>
  logStream?: DestinationStream
  /** Reuse a database made earlier in the same test (e.g. two replicas on one database). */
  databaseEnv?: Record<string, string>
  /** Tracing started by the test (lib/tracing/provider.ts, usually with an in-memory exporter). */
  tracing?: Tracing
}

/** The environment a test app gets: its own database, its own Redis key prefix, generous rate limits and Redis deadline. */
export async function testEnv (t: TestContext, options: TestAppOptions = {}): Promise<Record<string, string>> {
  const database = options.databaseEnv ?? (await createTestDatabase(t)).env
  const redisUrl = process.env.REDIS_URL
  return {
    APP_ENV: 'test',
    JWT_SECRET: TEST_JWT_SECRET,
    RATE_LIMIT_MAX: '100000',
    RATE_LIMIT_AUTH_MAX: '100000',
    // Generous, so a Redis answer delayed by a busy test machine never fails a shared count open
    // (tests of the deadline itself set their own).
    REDIS_COMMAND_TIMEOUT_MS: '1000',
    ...(redisUrl !== undefined && redisUrl !== '' ? { REDIS_URL: redisUrl } : {}),
    REDIS_KEY_PREFIX: `goshop:test:${randomBytes(6).toString('hex')}:`,
    ...database,
    ...options.env
  }
}

/** The app's database is the helper's to choose: not one the test made, nor one its env points at. */
const choosesDatabase = (options: TestAppOptions): boolean =>
  options.databaseEnv === undefined && options.env?.DATABASE_URL === undefined && options.env?.PGLITE_DATA_DIR === undefined

/**
 * What buildApp takes for a test app on a fresh database. Embedded, the database is an emptied
 * PGlite reused from an earlier app of this process (embedded-databases.ts), given back at
 * teardown: register the app's close after calling this, so that it runs first (teardowns run in reverse).
 */
export async function testAppOptions (t: TestContext, options: TestAppOptions = {}): Promise<BuildAppOptions> {
  const borrowed = !usingRealPostgres() && choosesDatabase(options) ? await borrowEmbeddedDatabase() : null
  if (borrowed !== null) t.teardown(borrowed.release)
  const env = await testEnv(t, borrowed === null ? options : { ...options, databaseEnv: { PGLITE_DATA_DIR: 'memory' } })
  return {
    config: loadConfig(env),
    tracing: options.tracing ?? null,
    ...(options.logStream !== undefined ? { logStream: options.logStream } : {}),
    ...(borrowed !== null ? { database: borrowed.handle } : {})
  }
}

/** Builds a ready app on a fresh database; closed (and its database dropped or given back) at teardown. */
export async function buildTestApp (t: TestContext, options: TestAppOptions = {}): Promise<FastifyInstance> {
  const app = await buildApp(await testAppOptions(t, options))
  t.teardown(async () => { await app.close() })
  await app.ready()
  return app
}
