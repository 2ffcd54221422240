import { sql } from 'kysely'
import type { Static } from 'typebox'
import type { Db } from '../../db/database.js'
import type { DependencyGuard } from '../../lib/dependency-guard.js'
import type { KeyValueStore } from '../../lib/memory-store.js'
import type { DependencyCheck, Readiness } from '../../schemas/health.js'

type CheckResult = Static<typeof DependencyCheck>

const CHECK_TIMEOUT_MS = 1500

async function timed (probe: () => Promise<unknown>, upStatus: 'up' | 'embedded'): Promise<CheckResult> {
  const started = performance.now()
  let timer: NodeJS.Timeout | undefined
  try {
    await Promise.race([
      probe(),
      new Promise((_resolve, reject) => { timer = setTimeout(() => { reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)) }, CHECK_TIMEOUT_MS) })
    ])
    return { status: upStatus, latency_ms: round(performance.now() - started) }
  } catch (error) {
    const message = error instanceof Error ? error.message : 'unreachable'
    return { status: 'down', latency_ms: round(performance.now() - started), error: message.slice(0, 200) }
  } finally {
    clearTimeout(timer)
  }
}

const round = (ms: number): number => Math.round(ms * 100) / 100

async function checkPostgres (db: Db): Promise<CheckResult> {
  return await timed(async () => await sql`select 1`.execute(db), 'up')
}

/**
 * Redis is optional for serving (rate limits and the login throttle fall back to per-replica
 * counting), so a skipped or unreachable Redis is `degraded`, not `down`: the replica stays ready.
 * The ping goes through the breaker: while it skips Redis readiness does not ping, and once the
 * cool-down is over the ping may be the probe that closes it (so it closes even with no traffic).
 */
async function checkRedis (store: KeyValueStore, guard: DependencyGuard | null): Promise<CheckResult> {
  if (guard !== null && !guard.breaker.allow()) return { status: 'degraded', latency_ms: 0, error: 'skipped by the circuit breaker after repeated failures' }
  const result = await timed(async () => { await store.ping() }, store.kind === 'redis' ? 'up' : 'embedded')
  if (result.status !== 'down') {
    guard?.breaker.success()
    return result
  }
  guard?.breaker.failure()
  return { ...result, status: 'degraded' }
}

/** Ready when not shutting down and Postgres is up (Redis at worst degrades the service; the embedded stores are never down). */
export async function readiness (db: Db, store: KeyValueStore, guard: DependencyGuard | null, shuttingDown: boolean): Promise<Static<typeof Readiness>> {
  const [postgres, redis] = await Promise.all([checkPostgres(db), checkRedis(store, guard)])
  const ready = !shuttingDown && postgres.status !== 'down'
  return {
    status: ready ? 'ready' : 'not_ready',
    ...(shuttingDown ? { shutting_down: true } : {}),
    checks: { postgres, redis }
  }
}
