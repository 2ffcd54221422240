import type { FastifyRateLimitOptions, FastifyRateLimitStore, FastifyRateLimitStoreCtor } from '@fastify/rate-limit'
import type { DependencyGuard } from '../dependency-guard.js'

export const FAIL_OPEN_USER = 'rate_limit'

/**
 * The shared (Redis) store, with the in-process one standing in whenever the shared one fails or
 * is skipped: the request is then counted against this replica's own budget (limits are per
 * replica while Redis is away) instead of waiting for Redis or passing unlimited.
 */
export function failoverStore (Shared: FastifyRateLimitStoreCtor, Local: FastifyRateLimitStoreCtor, guard: DependencyGuard): FastifyRateLimitStoreCtor {
  class FailoverStore implements FastifyRateLimitStore {
    private readonly shared: FastifyRateLimitStore
    private readonly local: FastifyRateLimitStore

    constructor (options: FastifyRateLimitOptions, stores?: { shared: FastifyRateLimitStore, local: FastifyRateLimitStore }) {
      this.shared = stores?.shared ?? new Shared(options)
      this.local = stores?.local ?? new Local(options)
    }

    incr (key: string, cb: Parameters<FastifyRateLimitStore['incr']>[1], timeWindow: number, max: number): void {
      this.shared.incr(key, (error, result) => {
        if (error === null) {
          cb(null, result)
          return
        }
        guard.failedOpen(FAIL_OPEN_USER)
        this.local.incr(key, cb, timeWindow, max)
      }, timeWindow, max)
    }

    child (routeOptions: Parameters<FastifyRateLimitStore['child']>[0]): FailoverStore {
      return new FailoverStore({}, { shared: this.shared.child(routeOptions), local: this.local.child(routeOptions) })
    }
  }
  return FailoverStore
}
