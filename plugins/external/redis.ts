import { setTimeout } from 'node:timers/promises'
import fp from 'fastify-plugin'
import { Redis } from 'ioredis'
import { MemoryStore, type KeyValueStore } from '../../lib/memory-store.js'
import { boundedWarning } from '../../lib/bounded-warning.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** Redis when REDIS_URL/REDIS_HOST is set, else an in-process stand-in. */
    store: KeyValueStore
    /** The ioredis client; only decorated when Redis is configured. */
    redis: Redis
  }
}

const CONNECT_WAIT_MS = 3000

function redisStore (client: Redis): KeyValueStore {
  return {
    kind: 'redis',
    ping: async () => { await client.ping() },
    get: async (key) => await client.get(key),
    set: async (key, value, ttlMs) => { await client.set(key, value, 'PX', ttlMs) },
    setIfAbsent: async (key, value, ttlMs) => (await client.set(key, value, 'PX', ttlMs, 'NX')) === 'OK',
    del: async (key) => { await client.del(key) }
  }
}

/**
 * ioredis when configured. The process starts even while Redis is down (readiness reports
 * it, rate limits fail open) and reconnects by itself; @fastify/redis would instead block
 * start-up until Redis answers.
 */
export default fp(async function redisPlugin (fastify) {
  const config = fastify.config.redis
  if (config === null) {
    const store = new MemoryStore()
    fastify.decorate('store', store)
    fastify.addHook('onClose', async () => { store.close() })
    return
  }

  const client = new Redis(config.url, {
    keyPrefix: config.keyPrefix,
    lazyConnect: true,
    // Fail fast while disconnected instead of queueing: callers (rate limit, readiness) degrade explicitly.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
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
  if (!connected) fastify.log.warn({ redis: 'down' }, 'starting without Redis: rate limits fail open until it is back')
  fastify.decorate('redis', client)
  fastify.decorate('store', redisStore(client))
  fastify.addHook('onClose', async () => {
    if (client.status === 'ready') await client.quit()
    else client.disconnect()
  })
}, { name: 'redis', dependencies: ['config'] })
