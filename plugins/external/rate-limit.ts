import fastifyRateLimit, { type FastifyRateLimitOptions, type FastifyRateLimitStore, type FastifyRateLimitStoreCtor } from '@fastify/rate-limit'
import type { FastifyBaseLogger } from 'fastify'
import fp from 'fastify-plugin'
import type { Redis, Result } from 'ioredis'
import { AppError } from '../../lib/app-error.js'
import { boundedWarning } from '../../lib/bounded-warning.js'

/** A Redis call slower than this counts as an outage: the request goes through unlimited. */
export const STORE_TIMEOUT_MS = 500
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

type IncrCallback = Parameters<FastifyRateLimitStore['incr']>[1]

interface PendingKey { windowMs: number, callbacks: IncrCallback[] }

function isCounterReply (value: unknown, keys: number): value is number[] {
  return Array.isArray(value) && value.length === 2 * keys && value.every((n) => typeof n === 'number')
}

/** The plugin hands child() its merged route params, whose `routeInfo` is the route's options. */
function routeKey (params: object): string {
  const info = 'routeInfo' in params && typeof params.routeInfo === 'object' && params.routeInfo !== null ? params.routeInfo : {}
  const method = 'method' in info ? String(info.method) : ''
  const url = 'url' in info ? String(info.url) : ''
  return `${method}${url}`
}

/**
 * The rate-limit store over Redis, so every replica counts against the same budget.
 * Increments arriving in the same event-loop turn go to Redis as ONE script call (sent from
 * setImmediate, i.e. right after the I/O that delivered them): one socket write and one
 * round trip for the batch instead of one per request. Redis runs the script atomically and
 * each request still gets its own count (a key hit n times gets INCRBY n and the n counts
 * are handed out in arrival order), so limits are exactly as with one call per request.
 * Any failure (Redis down, stalled past STORE_TIMEOUT_MS, script error) is reported to the
 * plugin for every request of the batch, which lets them through (skipOnError), and logged
 * as a warning at a bounded rate.
 */
function sharedStore (redis: Redis, log: FastifyBaseLogger): FastifyRateLimitStoreCtor {
  redis.defineCommand('rateLimitIncr', { lua: INCR_SCRIPT })
  const warnUnavailable = boundedWarning()
  const warn = (error: unknown): void => {
    warnUnavailable((suppressed) => { log.warn({ err: error, suppressed }, 'rate limit store unavailable: requests are let through without limits (fail open)') })
  }

  let batch = new Map<string, PendingKey>()
  let scheduled: NodeJS.Immediate | null = null

  const fail = (pending: PendingKey[], error: unknown): void => {
    warn(error)
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

    let settled = false
    const timer = setTimeout(() => {
      settled = true
      fail(pending, new Error(`no answer within ${STORE_TIMEOUT_MS} ms`))
    }, STORE_TIMEOUT_MS)
    redis.rateLimitIncr(keys.length, ...keys, ...args).then((reply) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      if (!isCounterReply(reply, keys.length)) {
        fail(pending, new Error('unexpected reply from the rate limit script'))
        return
      }
      pending.forEach(({ callbacks }, i) => {
        const first = (reply[2 * i] ?? 0) - callbacks.length + 1
        const ttl = reply[2 * i + 1] ?? 0
        callbacks.forEach((cb, n) => { cb(null, { current: first + n, ttl }) })
      })
    }, (error: unknown) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
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

/** The in-process store forgets the oldest windows beyond this many clients (bounded memory). */
const LOCAL_MAX_KEYS = 10_000

/**
 * The in-process store (no Redis configured): fixed windows in a Map. The plugin's own
 * LocalStore hands every caller the same mutable counter object, so concurrent requests
 * read each other's later increments (8 concurrent requests on a budget of 5 were all
 * refused); this one answers each increment with its own count.
 */
function localStore (): FastifyRateLimitStoreCtor {
  const windows = new Map<string, { count: number, resetAt: number }>()

  const evict = (now: number): void => {
    for (const [key, window] of windows) if (window.resetAt <= now) windows.delete(key)
    for (const key of windows.keys()) {
      if (windows.size < LOCAL_MAX_KEYS) break
      windows.delete(key)
    }
  }

  class LocalStore implements FastifyRateLimitStore {
    constructor (_options?: FastifyRateLimitOptions, private readonly namespace = '') {}

    incr (key: string, cb: IncrCallback, timeWindow: number): void {
      const now = Date.now()
      const id = `${this.namespace}${key}`
      let window = windows.get(id)
      if (window === undefined || window.resetAt <= now) {
        if (windows.size >= LOCAL_MAX_KEYS) evict(now)
        window = { count: 0, resetAt: now + timeWindow }
        windows.delete(id)
        windows.set(id, window)
      }
      window.count++
      cb(null, { current: window.count, ttl: window.resetAt - now })
    }

    child (routeOptions: object): LocalStore {
      return new LocalStore(undefined, `${this.namespace}${routeKey(routeOptions)}:`)
    }
  }
  return LocalStore
}

/**
 * Per-client request budget (RATE_LIMIT_MAX per RATE_LIMIT_WINDOW): shared through Redis when
 * configured (under REDIS_KEY_PREFIX, so replicas with the same prefix share it), in-process
 * otherwise. It runs onRequest, before authentication (preValidation), so floods without a valid
 * token count too. Routes opt out with `config: { rateLimit: false }` (health, metrics).
 * Redis trouble never turns into 500s: the request passes unlimited and a warning is logged.
 */
export default fp(async function rateLimitPlugin (fastify) {
  const { max, windowMs } = fastify.config.rateLimit
  await fastify.register(fastifyRateLimit, {
    global: true,
    // onRequest: a client over its budget is refused before its body is even read.
    hook: 'onRequest',
    max,
    timeWindow: windowMs,
    store: fastify.config.redis !== null ? sharedStore(fastify.redis, fastify.log) : localStore(),
    skipOnError: true,
    // RateLimit-Limit / -Remaining / -Reset (IETF draft) instead of X-RateLimit-*, and Retry-After on 429.
    enableDraftSpec: true,
    errorResponseBuilder: (_request, context) => new AppError(429, 'RATE_LIMITED',
      `Too many requests: the limit is ${context.max} per ${context.after}; retry later`,
      { headers: { 'retry-after': String(Math.max(1, Math.ceil(context.ttl / 1000))) } })
  })
}, { name: 'rate-limit', dependencies: ['config', 'redis'] })
