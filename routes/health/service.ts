import type { FastifyBaseLogger } from 'fastify'
import { sql } from 'kysely'
import type { Static } from 'typebox'
import type pg from 'pg'
import type { Db } from '../../db/database.js'
import type { DatabaseHandle } from '../../db/connect.js'
import type { DependencyGuard } from '../../lib/dependency-guard.js'
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

/**
 * The check queues for a connection like any request. When it gets none in time because every
 * connection is busy serving (a burst, a held row lock), Postgres answers and the replica serves:
 * `degraded`, still ready. Were that `down`, a burst would take replica after replica out of the
 * Service while the rest saturated the same way. A Postgres that stops answering is still found:
 * the silence watchdog (db/connect.ts) ends the stuck connections, and new ones then fail.
 */
async function checkPostgres (db: Db, pool: pg.Pool | null, log: FastifyBaseLogger): Promise<CheckResult> {
  const result = await timed('postgres', log, async () => await sql`select 1`.execute(db), 'up')
  const saturated = pool !== null && pool.idleCount === 0 && pool.waitingCount > 0 && pool.totalCount > 0
  return result.status === 'down' && saturated ? { ...result, status: 'degraded' } : result
}

/**
 * SPEC §4: a configured Redis that is down (its connection refused or lost) makes the replica not
 * ready; a Redis that is connected but slow, or skipped by its breaker, is `degraded` and the
 * replica stays ready (requests fall back to per-replica counting). The ping goes through the
 * breaker: while it skips Redis readiness does not ping, and once the cool-down is over the ping
 * may be the probe that closes it (so it closes even with no traffic).
 */
async function checkRedis (store: KeyValueStore, guard: DependencyGuard | null, log: FastifyBaseLogger): Promise<CheckResult> {
  const unavailable = (latencyMs: number): CheckResult => ({ status: store.connected() ? 'degraded' : 'down', latency_ms: latencyMs })
  if (guard !== null && !guard.breaker.allow()) return unavailable(0)
  const result = await timed('redis', log, async () => { await store.ping() }, store.kind === 'redis' ? 'up' : 'embedded')
  if (result.status !== 'down') {
    guard?.breaker.success()
    return result
  }
  guard?.breaker.failure()
  return unavailable(result.latency_ms)
}

/** Ready when not shutting down, Postgres answers (busy only degrades it) and a configured Redis is connected (a slow one only degrades the service). */
export async function readiness (database: DatabaseHandle, store: KeyValueStore, guard: DependencyGuard | null, shuttingDown: boolean, log: FastifyBaseLogger): Promise<Static<typeof Readiness>> {
  const [postgres, redis] = await Promise.all([checkPostgres(database.db, database.pool, log), checkRedis(store, guard, log)])
  const ready = !shuttingDown && postgres.status !== 'down' && redis.status !== 'down'
  return {
    status: ready ? 'ready' : 'not_ready',
    ...(shuttingDown ? { shutting_down: true } : {}),
    checks: { postgres, redis }
  }
}
