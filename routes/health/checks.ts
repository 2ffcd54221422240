import { sql, type Kysely } from 'kysely'
import type { KeyValueStore } from '../../lib/memory-store.js'

export interface CheckResult {
  status: 'up' | 'down' | 'embedded'
  latency_ms: number
  error?: string
}

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

export async function checkPostgres<T> (db: Kysely<T>): Promise<CheckResult> {
  return await timed(async () => await sql`select 1`.execute(db), 'up')
}

export async function checkRedis (store: KeyValueStore): Promise<CheckResult> {
  return await timed(async () => { await store.ping() }, store.kind === 'redis' ? 'up' : 'embedded')
}
