import { LRUCache } from 'lru-cache'
import type { Db } from '../../db/database.js'
import { findUsableKey, touchKey, type KeyCredential } from './repository.js'

/**
 * How long one replica trusts what it read about a key: a revocation, a roll's end or a
 * deletion of the owner made on any replica is seen everywhere within this plus one query,
 * inside the 1 s of SPEC §7 (the same bound as LiveAccounts).
 */
export const API_KEY_STATE_TTL_MS = 500
/** last_used_at is written at most this often per key (SPEC §7: once a minute). */
export const LAST_USED_INTERVAL_MS = 60_000
const MAX_KEYS = 10_000

interface KeyState { credential: KeyCredential | null }

function usable (state: KeyState | undefined, now: number): KeyCredential | null {
  const credential = state?.credential ?? null
  return credential === null || credential.expires_at.getTime() <= now ? null : credential
}

/**
 * The keys requests present, by hash: a short-lived per-process cache in front of Postgres
 * (one indexed read per key per API_KEY_STATE_TTL_MS per replica; concurrent misses share
 * it), so a key-authenticated request costs what a token-authenticated one does. Unknown and
 * revoked keys are cached as null for the same time.
 */
export class LiveApiKeys {
  private readonly cache: LRUCache<string, KeyState>

  constructor (private readonly db: Db, ttlMs = API_KEY_STATE_TTL_MS) {
    this.cache = new LRUCache<string, KeyState>({
      max: MAX_KEYS,
      ttl: ttlMs,
      fetchMethod: async (hash) => ({ credential: await findUsableKey(db, hash) ?? null })
    })
  }

  /** The key now: null when unknown, revoked or expired. */
  async find (hash: string, now = Date.now()): Promise<KeyCredential | null> {
    const state = this.cache.get(hash) ?? await this.cache.fetch(hash)
    return usable(state, now)
  }

  /**
   * The key while this replica's copy is fresh (one map lookup): null when unknown, revoked or
   * expired; undefined when it must be read with find(). Only keys with a valid checksum are
   * ever read, so a hash found here belongs to a well-formed key.
   */
  cached (hash: string, now = Date.now()): KeyCredential | null | undefined {
    const state = this.cache.get(hash)
    return state === undefined ? undefined : usable(state, now)
  }

  /**
   * Records a use: writes last_used_at when this replica's copy says it is older than a minute
   * (the UPDATE itself skips the write when another replica made it meanwhile); undefined when
   * there is nothing to write, so the usual request waits for nothing.
   */
  used (credential: KeyCredential, now = Date.now()): Promise<void> | undefined {
    const last = credential.last_used_at?.getTime() ?? Number.NEGATIVE_INFINITY
    if (now - last < LAST_USED_INTERVAL_MS) return undefined
    credential.last_used_at = new Date(now)
    return touchKey(this.db, credential.id, LAST_USED_INTERVAL_MS / 1000)
  }

  /** Forgets a key on this replica (after revoking or rolling it here). */
  forget (hash: string): void {
    this.cache.delete(hash)
  }
}
