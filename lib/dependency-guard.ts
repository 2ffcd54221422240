import { CircuitBreaker, type BreakerState } from './circuit-breaker.js'
import { withDeadline } from './deadline.js'

export interface DependencyGuardOptions {
  /** Deadline of each call. */
  timeoutMs: number
  failureThreshold: number
  cooldownMs: number
  onStateChange?: (to: BreakerState, from: BreakerState) => void
  /** Told each time a caller proceeds without the dependency (its fallback ran). */
  onFailOpen?: (user: string) => void
}

/**
 * What every user of an optional dependency (Redis) on the request path shares: a deadline on
 * each call and one circuit breaker, so a slow or dead dependency costs a request at most the
 * deadline, and costs nothing once the breaker has opened. Callers say what to do instead
 * (the fallback): the request goes on without the dependency ("fail open").
 */
export class DependencyGuard {
  readonly breaker: CircuitBreaker
  readonly timeoutMs: number
  private readonly onFailOpen: (user: string) => void

  constructor (options: DependencyGuardOptions) {
    this.timeoutMs = options.timeoutMs
    this.breaker = new CircuitBreaker(options)
    this.onFailOpen = options.onFailOpen ?? (() => {})
  }

  /** `call` under the deadline and the breaker; `fallback` when skipped, late or failed. */
  async run<T> (user: string, call: () => Promise<T>, fallback: () => Promise<T>): Promise<T> {
    if (!this.breaker.allow()) return await this.failOpen(user, fallback)
    let result: T
    try {
      result = await withDeadline(call(), this.timeoutMs)
    } catch {
      this.breaker.failure()
      return await this.failOpen(user, fallback)
    }
    this.breaker.success()
    return result
  }

  /** Records that `user` proceeded without the dependency (for callers that manage the call themselves). */
  failedOpen (user: string): void { this.onFailOpen(user) }

  private async failOpen<T> (user: string, fallback: () => Promise<T>): Promise<T> {
    this.onFailOpen(user)
    return await fallback()
  }
}
