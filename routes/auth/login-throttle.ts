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
 * same counts) under two keys: the client and the pair (email, client). Either one full
 * blocks that client (with the pair: for that email only) until the window ends.
 * Nothing is counted per email alone, so failures from one client never keep any other
 * client out of an account: a third party cannot lock anyone out. The price is that
 * guessing spread over many addresses is bounded only per address (docs/operations.md).
 *
 * An attempt claims its slot in both counters before the password is checked (the first free
 * numbered slot of a key, with SET NX), so attempts made at the same moment cannot all pass a
 * check that counts only finished failures: at most the budget is ever being checked or spent.
 * A failure keeps its slots. A success gives the client's slot back and clears the pair's count
 * (clearing the client's would let logging in to one's own account reset a guessing budget).
 * A slow or failing Redis costs at most REDIS_COMMAND_TIMEOUT_MS: the store then answers from
 * this replica's memory (lib/guarded-store.ts), so attempts go on being counted, per replica; an
 * error from the store itself fails open, and the per-client request limit on /login still holds.
 */
export interface LoginThrottle {
  store: KeyValueStore
  /** How long a counted failure lasts: the rate-limit window. */
  windowMs: number
  /** Hears of store outages. */
  log: FastifyBaseLogger
}

/** An attempt admitted by the throttle; `succeeded` after a right password, nothing after a wrong one. */
export interface AdmittedAttempt {
  retryAfter: 0
  succeeded: () => Promise<void>
}

/** Refused: seconds until this client may try this email again. */
export interface RefusedAttempt { retryAfter: number }

export async function admitAttempt (throttle: LoginThrottle, attempt: LoginAttempt): Promise<AdmittedAttempt | RefusedAttempt> {
  const [client, pair] = counters(attempt)
  try {
    const [clientSlot, pairSlot] = await Promise.all([claimSlot(throttle, client), claimSlot(throttle, pair)])
    if (clientSlot === null || pairSlot === null) {
      await Promise.all([release(throttle, client, clientSlot), release(throttle, pair, pairSlot)])
      return { retryAfter: await secondsUntilFree(throttle, [clientSlot === null ? client : null, pairSlot === null ? pair : null]) }
    }
    return {
      retryAfter: 0,
      succeeded: async () => {
        try {
          await Promise.all([
            release(throttle, client, clientSlot),
            ...slotNumbers(pair).map(async (slot) => { await throttle.store.del(slotKey(pair.key, slot)) })
          ])
        } catch (error) {
          throttle.log.warn({ err: error }, 'login throttle store unavailable; failures not reset')
        }
      }
    }
  } catch (error) {
    throttle.log.warn({ err: error }, 'login throttle store unavailable; not limiting failed logins')
    return { retryAfter: 0, succeeded: async () => {} }
  }
}

interface Counter { key: string, max: number }

/** The number of the slot this attempt holds, null when the counter is full. */
async function claimSlot (throttle: LoginThrottle, { key, max }: Counter): Promise<number | null> {
  const expiresAt = String(Date.now() + throttle.windowMs)
  for (let slot = 1; slot <= max; slot++) {
    if (await throttle.store.setIfAbsent(slotKey(key, slot), expiresAt, throttle.windowMs)) return slot
  }
  return null
}

async function release (throttle: LoginThrottle, counter: Counter, slot: number | null): Promise<void> {
  if (slot !== null) await throttle.store.del(slotKey(counter.key, slot))
}

/** When the full counters' last slots expire (at least 1 s). */
async function secondsUntilFree (throttle: LoginThrottle, full: Array<Counter | null>): Promise<number> {
  const until = await Promise.all(full.map(async (counter) => counter === null ? null : await throttle.store.get(slotKey(counter.key, counter.max))))
  const latest = Math.max(0, ...until.map((value) => value === null ? 0 : Number(value)))
  return Math.max(1, Math.ceil((latest - Date.now()) / 1000))
}

const slotNumbers = ({ max }: Counter): number[] => Array.from({ length: max }, (_, i) => i + 1)

// Hashed so the store never holds addresses (email or IP).
function counters ({ email, client }: LoginAttempt): [Counter, Counter] {
  return [
    { key: `login-failures:client:${digest(client)}`, max: LOGIN_FAILURES_PER_CLIENT },
    { key: `login-failures:pair:${digest(`${email}\n${client}`)}`, max: LOGIN_FAILURES_PER_ACCOUNT_AND_CLIENT }
  ]
}

const digest = (value: string): string => createHash('sha256').update(value).digest('base64url')
const slotKey = (key: string, slot: number): string => `${key}:${slot}`
