import { createHash } from 'node:crypto'
import type { FastifyBaseLogger } from 'fastify'
import type { KeyValueStore } from '../../plugins/memory-store.js'

/** Failed logins allowed for one email within the rate-limit window. */
export const LOGIN_FAILURES_PER_EMAIL = 5

/**
 * Counts failed logins per email in the shared store (Redis when configured, so all
 * replicas see the same count). Each failure claims the first free numbered slot with
 * SET NX, so concurrent failures never under-count; once the last slot is taken the email
 * is blocked until that slot expires. A store outage fails open: the per-IP limit still holds.
 */
export class LoginThrottle {
  private readonly store: KeyValueStore
  private readonly windowMs: number
  private readonly log: FastifyBaseLogger
  private readonly maxFailures: number

  constructor (store: KeyValueStore, windowMs: number, log: FastifyBaseLogger, maxFailures = LOGIN_FAILURES_PER_EMAIL) {
    this.store = store
    this.windowMs = windowMs
    this.log = log
    this.maxFailures = maxFailures
  }

  /** Seconds until this email may try again; 0 when it is not blocked. */
  async retryAfterSeconds (email: string): Promise<number> {
    try {
      const blockedUntil = await this.store.get(this.key(email, this.maxFailures))
      if (blockedUntil === null) return 0
      return Math.max(1, Math.ceil((Number(blockedUntil) - Date.now()) / 1000))
    } catch (error) {
      this.log.warn({ err: error }, 'login throttle store unavailable; not limiting by email')
      return 0
    }
  }

  async recordFailure (email: string): Promise<void> {
    const expiresAt = String(Date.now() + this.windowMs)
    try {
      for (let slot = 1; slot <= this.maxFailures; slot++) {
        if (await this.store.setIfAbsent(this.key(email, slot), expiresAt, this.windowMs)) return
      }
    } catch (error) {
      this.log.warn({ err: error }, 'login throttle store unavailable; failure not counted')
    }
  }

  async reset (email: string): Promise<void> {
    try {
      const slots = Array.from({ length: this.maxFailures }, (_, i) => i + 1)
      await Promise.all(slots.map(async (slot) => { await this.store.del(this.key(email, slot)) }))
    } catch (error) {
      this.log.warn({ err: error }, 'login throttle store unavailable; failures not reset')
    }
  }

  // The email is hashed so the store never holds addresses.
  private key (email: string, slot: number): string {
    return `login-failures:${createHash('sha256').update(email).digest('base64url')}:${slot}`
  }
}
