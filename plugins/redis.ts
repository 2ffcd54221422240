import fastifyRedis from '@fastify/redis'
import fp from 'fastify-plugin'
import type { Redis } from 'ioredis'
import { MemoryStore, type KeyValueStore } from './memory-store.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** Redis when REDIS_URL/REDIS_HOST is set, else an in-process stand-in. */
    store: KeyValueStore
  }
}

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

export default fp(async function redisPlugin (fastify) {
  const redis = fastify.config.redis
  if (redis === null) {
    const store = new MemoryStore()
    fastify.decorate('store', store)
    fastify.addHook('onClose', async () => { store.close() })
    return
  }
  await fastify.register(fastifyRedis, {
    url: redis.url,
    keyPrefix: redis.keyPrefix,
    // Fail fast while disconnected instead of queueing: callers (rate limit, readiness) degrade explicitly.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 5000
  })
  fastify.decorate('store', redisStore(fastify.redis))
}, { name: 'redis', dependencies: ['config'] })
