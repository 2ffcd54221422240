import { randomBytes } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import type { DestinationStream } from 'pino'
import { buildApp } from '../../app.js'
import { loadConfig } from '../../lib/config.js'
import type { Tracing } from '../../lib/tracing/provider.js'
import { createTestDatabase, type TestContext } from './database.js'

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

/** Builds a ready app on a fresh database; closed (and its database dropped) at teardown. */
export async function buildTestApp (t: TestContext, options: TestAppOptions = {}): Promise<FastifyInstance> {
  const config = loadConfig(await testEnv(t, options))
  const app = await buildApp({ config, tracing: options.tracing ?? null, ...(options.logStream !== undefined ? { logStream: options.logStream } : {}) })
  t.teardown(async () => { await app.close() })
  await app.ready()
  return app
}
