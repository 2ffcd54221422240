import type { FastifyRateLimitOptions, FastifyRateLimitStore, FastifyRateLimitStoreCtor } from '@fastify/rate-limit'
import type { FastifyBaseLogger } from 'fastify'
import type { Redis, Result } from 'ioredis'
import { boundedWarning } from '../bounded-warning.js'
import { withDeadline } from '../deadline.js'
import type { DependencyGuard } from '../dependency-guard.js'
import { routeKey, type IncrCallback } from './route-key.js'
/** What the store reports while the breaker skips Redis (the failover store then counts locally). */
export class RedisSkipped extends Error {
  constructor () {
    super('Redis is skipped by its circuit breaker')
    this.name = 'RedisSkipped'
  }
}

/** A batch is sent early once it holds this many distinct keys (a flood from many clients). */
const MAX_BATCH_KEYS = 500

/**
 * One fixed window per key, for a batch of keys: INCRBY each key by its number of requests,
 * and start the window's expiry on the first hit (or when a key somehow has none). Returns
 * count and milliseconds left in the window for each key, flattened. ARGV holds an
 * (increment, window ms) pair per key.
 */
const INCR_SCRIPT = `
local out = {}
for i, key in ipairs(KEYS) do
  local count = redis.call('INCRBY', key, ARGV[2 * i - 1])
  local ttl = redis.call('PTTL', key)
  if ttl < 0 then
    redis.call('PEXPIRE', key, ARGV[2 * i])
    ttl = tonumber(ARGV[2 * i])
  end
  out[2 * i - 1] = count
  out[2 * i] = ttl
end
return out`

declare module 'ioredis' {
  interface RedisCommander<Context> {
    /** INCR_SCRIPT, defined on the client by the rate-limit plugin (ioredis sends EVALSHA, and EVAL once on NOSCRIPT). */
    rateLimitIncr: (numberOfKeys: number, ...keysAndArgs: Array<string | number>) => Result<unknown, Context>
  }
}

interface PendingKey { windowMs: number, callbacks: IncrCallback[] }

function isCounterReply (value: unknown, keys: number): value is number[] {
  return Array.isArray(value) && value.length === 2 * keys && value.every((n) => typeof n === 'number')
}

/**
 * The rate-limit store over Redis, so every replica counts against the same budget.
 * Increments arriving in the same event-loop turn go to Redis as ONE script call (sent from
 * setImmediate, i.e. right after the I/O that delivered them): one socket write and one
 * round trip for the batch instead of one per request. Redis runs the script atomically and
 * each request still gets its own count (a key hit n times gets INCRBY n and the n counts
 * are handed out in arrival order), so limits are exactly as with one call per request.
 * Each batch is one call under the guard: it has the guard's deadline (REDIS_COMMAND_TIMEOUT_MS),
 * counts once towards its breaker, and is not sent at all while the breaker skips Redis. Any
 * failure (Redis down, stalled past the deadline, script error, skipped) is reported for every
 * request of the batch (the failover store then counts them in process), and logged as a
 * warning at a bounded rate. A performance shortcut (BENCHMARKS.md, "Performance
 * shortcuts"), kept exact by test/plugins/external/rate-limit.test.ts.
 */
export function batchedRedisStore (redis: Redis, guard: DependencyGuard, log: FastifyBaseLogger): FastifyRateLimitStoreCtor {
  redis.defineCommand('rateLimitIncr', { lua: INCR_SCRIPT })
  // Loaded on every (re)connection, so the first increment after a start or a Redis restart is
  // one round trip (EVALSHA) within the deadline, not EVALSHA, NOSCRIPT, EVAL.
  const loadScript = (): void => { redis.script('LOAD', INCR_SCRIPT).catch(() => {}) }
  redis.on('ready', loadScript)
  if (redis.status === 'ready') loadScript()
  const warnUnavailable = boundedWarning()
  const warn = (error: unknown): void => {
    warnUnavailable((suppressed) => { log.warn({ err: error, suppressed }, 'rate limit store unavailable: requests are counted by this replica alone (limits per replica) until Redis is back') })
  }

  let batch = new Map<string, PendingKey>()
  let scheduled: NodeJS.Immediate | null = null

  const fail = (pending: PendingKey[], error: unknown): void => {
    if (!(error instanceof RedisSkipped)) warn(error)
    const reported = error instanceof Error ? error : new Error('rate limit store failed')
    for (const { callbacks } of pending) for (const cb of callbacks) cb(reported)
  }

  const flush = (): void => {
    if (scheduled !== null) clearImmediate(scheduled)
    scheduled = null
    const keys = [...batch.keys()]
    const pending = [...batch.values()]
    batch = new Map()
    const args: number[] = []
    for (const { callbacks, windowMs } of pending) args.push(callbacks.length, windowMs)

    if (!guard.breaker.allow()) {
      fail(pending, new RedisSkipped())
      return
    }
    withDeadline(redis.rateLimitIncr(keys.length, ...keys, ...args), guard.timeoutMs).then((reply) => {
      if (!isCounterReply(reply, keys.length)) {
        guard.breaker.failure()
        fail(pending, new Error('unexpected reply from the rate limit script'))
        return
      }
      guard.breaker.success()
      pending.forEach(({ callbacks }, i) => {
        const first = (reply[2 * i] ?? 0) - callbacks.length + 1
        const ttl = reply[2 * i + 1] ?? 0
        callbacks.forEach((cb, n) => { cb(null, { current: first + n, ttl }) })
      })
    }, (error: unknown) => {
      guard.breaker.failure()
      fail(pending, error)
    })
  }

  const enqueue = (key: string, windowMs: number, cb: IncrCallback): void => {
    const entry = batch.get(key)
    if (entry !== undefined) entry.callbacks.push(cb)
    else batch.set(key, { windowMs, callbacks: [cb] })
    if (batch.size >= MAX_BATCH_KEYS) flush()
    else scheduled ??= setImmediate(flush)
  }

  class SharedStore implements FastifyRateLimitStore {
    // The plugin constructs the store with its options, which this store does not need.
    constructor (_options?: FastifyRateLimitOptions, private readonly namespace = 'rl:') {}

    incr (key: string, cb: IncrCallback, timeWindow: number): void {
      enqueue(`${this.namespace}${key}`, timeWindow, cb)
    }

    /** Routes with their own limit (e.g. /login) count in their own keyspace. */
    child (routeOptions: object): SharedStore {
      return new SharedStore(undefined, `${this.namespace}${routeKey(routeOptions)}:`)
    }
  }
  return SharedStore
}
