import type { FastifyBaseLogger } from 'fastify'
import { sql } from 'kysely'
import type { Static } from 'typebox'
import type { Db } from '../../db/database.js'
import type { KeyValueStore } from '../../lib/memory-store.js'
import type { DependencyCheck, Readiness } from '../../schemas/health.js'

type CheckResult = Static<typeof DependencyCheck>

const CHECK_TIMEOUT_MS = 1500

/**
 * Runs one probe. A failure's reason (the driver's error text: host names, database names)
 * goes to the log, never into the public body, which says only which dependency is down.
 */
async function timed (dependency: string, log: FastifyBaseLogger, probe: () => Promise<unknown>, upStatus: 'up' | 'embedded'): Promise<CheckResult> {
  const started = performance.now()
  let timer: NodeJS.Timeout | undefined
  try {
    await Promise.race([
      probe(),
      new Promise((_resolve, reject) => { timer = setTimeout(() => { reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)) }, CHECK_TIMEOUT_MS) })
    ])
    return { status: upStatus, latency_ms: round(performance.now() - started) }
  } catch (error) {
    log.warn({ err: error, dependency }, 'readiness check failed')
    return { status: 'down', latency_ms: round(performance.now() - started) }
  } finally {
    clearTimeout(timer)
  }
}

const round = (ms: number): number => Math.round(ms * 100) / 100

async function checkPostgres (db: Db, log: FastifyBaseLogger): Promise<CheckResult> {
  return await timed('postgres', log, async () => await sql`select 1`.execute(db), 'up')
}

async function checkRedis (store: KeyValueStore, log: FastifyBaseLogger): Promise<CheckResult> {
  return await timed('redis', log, async () => { await store.ping() }, store.kind === 'redis' ? 'up' : 'embedded')
}

/** Ready when not shutting down and neither Postgres nor Redis is down (the embedded ones are never down). */
export async function readiness (db: Db, store: KeyValueStore, shuttingDown: boolean, log: FastifyBaseLogger): Promise<Static<typeof Readiness>> {
  const [postgres, redis] = await Promise.all([checkPostgres(db, log), checkRedis(store, log)])
  const ready = !shuttingDown && postgres.status !== 'down' && redis.status !== 'down'
  return {
    status: ready ? 'ready' : 'not_ready',
    ...(shuttingDown ? { shutting_down: true } : {}),
    checks: { postgres, redis }
  }
}
