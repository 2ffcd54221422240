import { createHash } from 'node:crypto'
import type { FastifyBaseLogger } from 'fastify'
import type { KeyValueStore } from '../../lib/memory-store.js'

/** Failed logins allowed for one email from one client (IP) within the rate-limit window. */
export const LOGIN_FAILURES_PER_ACCOUNT_AND_CLIENT = 5
/** Failed logins allowed from one client (IP), whatever the emails, within the window. */
export const LOGIN_FAILURES_PER_CLIENT = 20

/**
 * The client whose failures are counted: its rate-limit key (lib/rate-limit/client-key.ts: its
 * address, so TRUST_PROXY applies, and IPv6 by /64, where one subscriber holds many addresses).
 */
export interface LoginAttempt { email: string, client: string }

/**
 * Counts failed logins in the shared store (Redis when configured, so all replicas see the
 * same counts) under two keys: the client (IP) and the pair (email, client). Either one
 * full blocks that client (with the pair: for that email only) until the window ends.
 * Nothing is counted per email alone, so failures from one client never keep any other
 * client out of an account: a third party cannot lock anyone out. The price is that
 * guessing spread over many addresses is bounded only per address (docs/operations.md).
 *
 * Each failure claims the first free numbered slot of a key with SET NX, so concurrent
 * failures never under-count. Failures are counted once checked, not before: guesses sent at
 * the same moment are all checked (the per-client request limit on /login, RATE_LIMIT_AUTH_MAX,
 * bounds how many), because counting an attempt before its check would also refuse correct
 * logins made at the same moment (BENCHMARKS.md, "Login attempts counted before the check"). A success clears the pair's count, not the client's (else
 * logging in to one's own account would reset a guessing budget). A slow or failing Redis
 * costs at most REDIS_COMMAND_TIMEOUT_MS: the store then answers from this replica's memory
 * (lib/guarded-store.ts), so failures go on being counted, per replica; an error from the
 * store itself fails open, and the per-client request limit on /login still holds.
 */
export interface LoginThrottle {
  store: KeyValueStore
  /** How long a counted failure lasts: the rate-limit window. */
  windowMs: number
  /** Hears of store outages. */
  log: FastifyBaseLogger
}

/** Seconds until this client may try this email again; 0 when it is not blocked. */
export async function retryAfterSeconds (throttle: LoginThrottle, attempt: LoginAttempt): Promise<number> {
  try {
    const blockedUntil = await Promise.all(counters(attempt).map(async ({ key, max }) => await throttle.store.get(slotKey(key, max))))
    const until = Math.max(0, ...blockedUntil.map((value) => value === null ? 0 : Number(value)))
    if (until === 0) return 0
    return Math.max(1, Math.ceil((until - Date.now()) / 1000))
  } catch (error) {
    throttle.log.warn({ err: error }, 'login throttle store unavailable; not limiting failed logins')
    return 0
  }
}

export async function recordFailure (throttle: LoginThrottle, attempt: LoginAttempt): Promise<void> {
  const expiresAt = String(Date.now() + throttle.windowMs)
  try {
    await Promise.all(counters(attempt).map(async ({ key, max }) => {
      for (let slot = 1; slot <= max; slot++) {
        if (await throttle.store.setIfAbsent(slotKey(key, slot), expiresAt, throttle.windowMs)) return
      }
    }))
  } catch (error) {
    throttle.log.warn({ err: error }, 'login throttle store unavailable; failure not counted')
  }
}

/** After a successful login: clears the pair's failures (the client's stay counted). */
export async function resetFailures (throttle: LoginThrottle, attempt: LoginAttempt): Promise<void> {
  const [, pair] = counters(attempt)
  try {
    const slots = Array.from({ length: pair.max }, (_, i) => i + 1)
    await Promise.all(slots.map(async (slot) => { await throttle.store.del(slotKey(pair.key, slot)) }))
  } catch (error) {
    throttle.log.warn({ err: error }, 'login throttle store unavailable; failures not reset')
  }
}

interface Counter { key: string, max: number }

// Hashed so the store never holds addresses (email or IP).
function counters ({ email, client }: LoginAttempt): [client: Counter, pair: Counter] {
  return [
    { key: `login-failures:client:${digest(client)}`, max: LOGIN_FAILURES_PER_CLIENT },
    { key: `login-failures:pair:${digest(`${email}\n${client}`)}`, max: LOGIN_FAILURES_PER_ACCOUNT_AND_CLIENT }
  ]
}

const digest = (value: string): string => createHash('sha256').update(value).digest('base64url')
const slotKey = (key: string, slot: number): string => `${key}:${slot}`
