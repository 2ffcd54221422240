import fastifyRateLimit, { type FastifyRateLimitOptions, type FastifyRateLimitStore, type FastifyRateLimitStoreCtor } from '@fastify/rate-limit'
import type { FastifyBaseLogger } from 'fastify'
import fp from 'fastify-plugin'
import type { Redis } from 'ioredis'
import { AppError } from './app-error.js'

/** A Redis call slower than this counts as an outage: the request goes through unlimited. */
export const STORE_TIMEOUT_MS = 500
/** At most one "store unavailable" warning per this period (an outage must not flood the logs). */
const WARN_EVERY_MS = 10_000

/**
 * One fixed window per key: INCR, and start the window's expiry on the first hit (or when
 * a key somehow has none). Returns the count and the milliseconds left in the window.
 */
const INCR_SCRIPT = `
local count = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return { count, ttl }`

type IncrCallback = Parameters<FastifyRateLimitStore['incr']>[1]

function isCounterReply (value: unknown): value is [number, number] {
  return Array.isArray(value) && value.length === 2 && typeof value[0] === 'number' && typeof value[1] === 'number'
}

async function withTimeout<T> (promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_resolve, reject) => {
        timer = setTimeout(() => { reject(new Error(`no answer within ${ms} ms`)) }, ms)
      })
    ])
  } finally {
    clearTimeout(timer)
  }
}

/** The plugin hands child() its merged route params, whose `routeInfo` is the route's options. */
function routeKey (params: object): string {
  const info = 'routeInfo' in params && typeof params.routeInfo === 'object' && params.routeInfo !== null ? params.routeInfo : {}
  const method = 'method' in info ? String(info.method) : ''
  const url = 'url' in info ? String(info.url) : ''
  return `${method}${url}`
}

/**
 * The rate-limit store over Redis, so every replica counts against the same budget. Any
 * failure (Redis down, stalled, script error) is reported to the plugin, which lets the
 * request through (skipOnError), and logged as a warning at a bounded rate.
 */
function sharedStore (redis: Redis, log: FastifyBaseLogger): FastifyRateLimitStoreCtor {
  let lastWarning = 0
  let failuresSinceWarning = 0
  const warn = (error: unknown): void => {
    failuresSinceWarning++
    const now = Date.now()
    if (now - lastWarning < WARN_EVERY_MS) return
    log.warn({ err: error, failures: failuresSinceWarning }, 'rate limit store unavailable: requests are let through without limits (fail open)')
    lastWarning = now
    failuresSinceWarning = 0
  }

  class SharedStore implements FastifyRateLimitStore {
    // The plugin constructs the store with its options, which this store does not need.
    constructor (_options?: FastifyRateLimitOptions, private readonly namespace = 'rl:') {}

    incr (key: string, cb: IncrCallback, timeWindow: number): void {
      withTimeout(redis.eval(INCR_SCRIPT, 1, `${this.namespace}${key}`, timeWindow), STORE_TIMEOUT_MS)
        .then((reply) => {
          if (!isCounterReply(reply)) throw new Error('unexpected reply from the rate limit script')
          cb(null, { current: reply[0], ttl: reply[1] })
        })
        .catch((error: unknown) => {
          warn(error)
          cb(error instanceof Error ? error : new Error('rate limit store failed'))
        })
    }

    /** Routes with their own limit (e.g. /login) count in their own keyspace. */
    child (routeOptions: object): SharedStore {
      return new SharedStore(undefined, `${this.namespace}${routeKey(routeOptions)}:`)
    }
  }
  return SharedStore
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
    max,
    timeWindow: windowMs,
    ...(fastify.config.redis !== null ? { store: sharedStore(fastify.redis, fastify.log) } : {}),
    skipOnError: true,
    // RateLimit-Limit / -Remaining / -Reset (IETF draft) instead of X-RateLimit-*, and Retry-After on 429.
    enableDraftSpec: true,
    errorResponseBuilder: (_request, context) => new AppError(429, 'RATE_LIMITED',
      `Too many requests: the limit is ${context.max} per ${context.after}; retry later`,
      { headers: { 'retry-after': String(Math.max(1, Math.ceil(context.ttl / 1000))) } })
  })
}, { name: 'rate-limit', dependencies: ['config', 'redis'] })
