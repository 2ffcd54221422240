export type BreakerState = 'closed' | 'open' | 'half_open'

export interface CircuitBreakerOptions {
  /** Consecutive failures that open the breaker. */
  failureThreshold: number
  /** How long an open breaker skips the dependency before letting one probe through. */
  cooldownMs: number
  /** Told of every change of state (one log line each, not one per call). */
  onStateChange?: (to: BreakerState, from: BreakerState) => void
  now?: () => number
}

/**
 * Stops calling a dependency that keeps failing: closed (calls go through) -> open after
 * `failureThreshold` consecutive failures (calls are skipped) -> half-open once `cooldownMs` has
 * passed, where exactly one call, the probe, goes through -> closed on its success, open again
 * on its failure. A probe that never reports back (its caller lost) is replaced by a new one
 * after another cool-down, so the breaker cannot stay half-open for ever.
 */
export class CircuitBreaker {
  private current: BreakerState = 'closed'
  private failures = 0
  private openedAt = 0
  private probeStartedAt = 0
  private readonly now: () => number

  constructor (private readonly options: CircuitBreakerOptions) {
    this.now = options.now ?? Date.now
  }

  get state (): BreakerState { return this.current }

  /** Whether a call may go to the dependency now; in half-open state only the probe may. */
  allow (): boolean {
    if (this.current === 'closed') return true
    const now = this.now()
    if (this.current === 'open') {
      if (now - this.openedAt < this.options.cooldownMs) return false
      this.transition('half_open')
      this.probeStartedAt = now
      return true
    }
    if (now - this.probeStartedAt < this.options.cooldownMs) return false
    this.probeStartedAt = now
    return true
  }

  /** True while calls are being skipped (open, or half-open with its probe under way). */
  get skipping (): boolean { return this.current !== 'closed' }

  success (): void {
    this.failures = 0
    if (this.current !== 'closed') this.transition('closed')
  }

  failure (): void {
    this.failures++
    if (this.current === 'half_open' || (this.current === 'closed' && this.failures >= this.options.failureThreshold)) {
      this.openedAt = this.now()
      this.transition('open')
    }
  }

  private transition (to: BreakerState): void {
    const from = this.current
    this.current = to
    this.options.onStateChange?.(to, from)
  }
}
