import { setTimeout } from 'node:timers/promises'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { Redis } from 'ioredis'
import { Counter, Gauge } from 'prom-client'
import type { BreakerState } from '../../lib/circuit-breaker.js'
import { DependencyGuard } from '../../lib/dependency-guard.js'
import { guardedStore } from '../../lib/guarded-store.js'
import { MemoryStore, type KeyValueStore } from '../../lib/memory-store.js'
import { boundedWarning } from '../../lib/bounded-warning.js'
import { deadConnectionRecycler } from '../../lib/dead-connection-recycler.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** Redis when REDIS_URL/REDIS_HOST is set, else an in-process stand-in. */
    store: KeyValueStore
    /** The ioredis client when Redis is configured, else null. */
    redis: Redis | null
    /** Deadline and circuit breaker of every Redis call on the request path; null without Redis. */
    redisGuard: DependencyGuard | null
  }
}

const BREAKER_STATE_VALUE: Record<BreakerState, number> = { closed: 0, half_open: 1, open: 2 }

/** The breaker's state and the fail-open decisions, on the app's /metrics. */
function guardMetrics (fastify: FastifyInstance): { failOpen: Counter<'user'>, state: Gauge } {
  const registers = [fastify.metricsRegistry]
  return {
    failOpen: new Counter({ name: 'redis_fail_open_total', help: 'Requests that went on without Redis (slow, failing or skipped by the breaker), by Redis user', labelNames: ['user'], registers }),
    state: new Gauge({ name: 'redis_breaker_state', help: 'Redis circuit breaker: 0 closed (Redis used), 1 half-open (probing), 2 open (Redis skipped)', registers })
  }
}

const CONNECT_WAIT_MS = 3000
/** How long the connection check gives the app's connection and a new one to answer a PING. */
const CONNECTION_CHECK_MS = 2000

function redisStore (client: Redis): KeyValueStore {
  return {
    kind: 'redis',
    connected: () => client.status === 'ready',
    ping: async () => { await client.ping() },
    get: async (key) => await client.get(key),
    set: async (key, value, ttlMs) => { await client.set(key, value, 'PX', ttlMs) },
    setIfAbsent: async (key, value, ttlMs) => (await client.set(key, value, 'PX', ttlMs, 'NX')) === 'OK',
    del: async (key) => { await client.del(key) }
  }
}

/**
 * ioredis when configured. The process starts even while Redis is down (readiness reports
 * it, rate limits fall back to per-replica counting) and reconnects by itself; @fastify/redis would instead block
 * start-up until Redis answers.
 */
export default fp(async function redisPlugin (fastify) {
  const config = fastify.config.redis
  if (config === null) {
    const store = new MemoryStore()
    fastify.decorate('store', store)
    fastify.decorate('redis', null)
    fastify.decorate('redisGuard', null)
    fastify.addHook('onClose', async () => { store.close() })
    return
  }

  const client = new Redis(config.url, {
    keyPrefix: config.keyPrefix,
    lazyConnect: true,
    // Fail fast while disconnected instead of queueing: callers (rate limit, readiness) degrade explicitly.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    // A backstop for calls made outside the guard (readiness has its own, longer, probe timeout).
    commandTimeout: Math.max(1000, config.commandTimeoutMs),
    connectTimeout: 2000,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2000)
  })
  const warn = boundedWarning()
  client.on('error', (error) => {
    warn((suppressed) => { fastify.log.warn({ err: error, suppressed }, 'Redis unavailable; retrying in the background') })
  })
  // Give Redis a moment at start-up so the first requests share limits; never block on it.
  const connecting = client.connect().then(() => true, () => false)
  const connected = await Promise.race([connecting, setTimeout(CONNECT_WAIT_MS, false)])
  if (!connected) fastify.log.warn({ redis: 'down' }, 'starting without Redis: rate limits are counted by each replica alone until it is back')
  const metrics = guardMetrics(fastify)
  const recycleIfDead = deadConnectionRecycler(client, {
    open: () => new Redis(config.url, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, connectTimeout: CONNECTION_CHECK_MS, retryStrategy: () => null }),
    windowMs: CONNECTION_CHECK_MS,
    onChecked: (check) => {
      if (check.replaced) fastify.log.warn({ redis: 'reconnecting', check }, 'Redis answered on a new connection but not on the app\'s: that connection is dead (its peer vanished) and is replaced')
      else fastify.log.debug({ check }, 'Redis connection check: the app\'s connection is kept')
    }
  })
  const guard = new DependencyGuard({
    timeoutMs: config.commandTimeoutMs,
    ...config.breaker,
    onFailOpen: (user) => { metrics.failOpen.inc({ user }) },
    onStateChange: (to, from) => {
      metrics.state.set(BREAKER_STATE_VALUE[to])
      if (to === 'open') recycleIfDead()
      // One line when Redis starts being skipped and one when it is back; the probes in between
      // (half-open, failed: open again, once per cool-down) only at debug level.
      if (from === 'closed') fastify.log.warn({ redis: 'degraded', breaker: to }, `Redis breaker open: Redis is skipped (limits are per replica) and probed every ${config.breaker.cooldownMs} ms`)
      else if (to === 'closed') fastify.log.info({ redis: 'up', breaker: to }, 'Redis breaker closed: Redis is used again')
      else fastify.log.debug({ breaker: to, from }, 'Redis breaker probe')
    }
  })
  metrics.state.set(0)
  const fallback = new MemoryStore()
  fastify.decorate('redis', client)
  fastify.decorate('redisGuard', guard)
  fastify.decorate('store', guardedStore(redisStore(client), fallback, guard, 'store'))
  fastify.addHook('onClose', async () => {
    fallback.close()
    // QUIT is bounded by commandTimeout: a stalled Redis must not hold up the shutdown.
    if (client.status === 'ready') await client.quit().catch(() => { client.disconnect() })
    else client.disconnect()
  })
}, { name: 'redis', dependencies: ['config', 'metrics'] })
