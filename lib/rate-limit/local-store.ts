import type { FastifyRateLimitOptions, FastifyRateLimitStore, FastifyRateLimitStoreCtor } from '@fastify/rate-limit'
import { routeKey, type IncrCallback } from './route-key.js'

/** The in-process store forgets the oldest windows beyond this many clients (bounded memory). */
const LOCAL_MAX_KEYS = 10_000

/**
 * The in-process store (no Redis configured): fixed windows in a Map. The plugin's own
 * LocalStore hands every caller the same mutable counter object, so concurrent requests
 * read each other's later increments (8 concurrent requests on a budget of 5 were all
 * refused); this one answers each increment with its own count.
 */
export function localStore (): FastifyRateLimitStoreCtor {
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
