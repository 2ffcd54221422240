import type { DependencyGuard } from './dependency-guard.js'
import type { KeyValueStore } from './memory-store.js'

/**
 * A key-value store over Redis whose every call has the guard's deadline and breaker: when Redis
 * is slow, failing or skipped, the call is answered by the in-process `fallback` instead, so its
 * users (the login throttle) go on counting per replica rather than waiting. `ping` is not
 * guarded: readiness wants the truth about Redis, not the fallback's answer.
 */
export function guardedStore (redis: KeyValueStore, fallback: KeyValueStore, guard: DependencyGuard, user: string): KeyValueStore {
  return {
    kind: redis.kind,
    connected: redis.connected,
    ping: async () => { await redis.ping() },
    get: async (key) => await guard.run(user, async () => await redis.get(key), async () => await fallback.get(key)),
    set: async (key, value, ttlMs) => {
      await guard.run(user, async () => { await redis.set(key, value, ttlMs) }, async () => { await fallback.set(key, value, ttlMs) })
    },
    setIfAbsent: async (key, value, ttlMs) =>
      await guard.run(user, async () => await redis.setIfAbsent(key, value, ttlMs), async () => await fallback.setIfAbsent(key, value, ttlMs)),
    del: async (key) => {
      // Both: a count made in the fallback during an outage must not outlive a reset either.
      await fallback.del(key)
      await guard.run(user, async () => { await redis.del(key) }, async () => {})
    }
  }
}
