import { LRUCache } from 'lru-cache'
import type { Db, Role } from '../db/database.js'
import { findUserRole } from './users/repository.js'

/**
 * How long one replica trusts what it read about an account. A role change or a deletion
 * made on any replica is seen by every replica within this time plus one query's latency,
 * well inside the 1 s that SPEC §3 allows.
 */
export const ACCOUNT_STATE_TTL_MS = 500
/** Accounts remembered per replica (least recently used ones are dropped first). */
const MAX_ACCOUNTS = 10_000

interface AccountState { role: Role | null }

/**
 * The current role of each account, as authorization must see it (not the role claim of
 * a token that may be 15 minutes old). A short-lived per-process cache in front of
 * Postgres: one primary-key read per account per ACCOUNT_STATE_TTL_MS per replica instead
 * of one per request, concurrent misses for one account share a single read, and it needs
 * nothing but the database every replica already shares (no Redis, no pub/sub to lose).
 */
export class LiveAccounts {
  private readonly cache: LRUCache<string, AccountState>

  constructor (db: Db, ttlMs = ACCOUNT_STATE_TTL_MS) {
    this.cache = new LRUCache<string, AccountState>({
      max: MAX_ACCOUNTS,
      ttl: ttlMs,
      fetchMethod: async (id) => {
        const row = await findUserRole(db, id)
        return { role: row?.role ?? null }
      }
    })
  }

  /** The account's role now; null when the account no longer exists. */
  async role (userId: string): Promise<Role | null> {
    const state = this.cache.get(userId) ?? await this.cache.fetch(userId)
    return state?.role ?? null
  }

  /** The role while this replica's copy is fresh (one map lookup); undefined when it must be read with role(). */
  cachedRole (userId: string): Role | null | undefined {
    return this.cache.get(userId)?.role
  }

  /** Forgets what this replica knows of the account (after changing it here); a pending read is discarded. */
  forget (userId: string): void {
    this.cache.delete(userId)
  }
}
