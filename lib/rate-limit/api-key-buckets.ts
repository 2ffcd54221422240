import { LRUCache } from 'lru-cache'
import { presentedKey } from '../api-keys/presented-key.js'
import { clientKey } from './client-key.js'

/** Keys remembered per replica, and for how long after their last successful use. */
const MAX_KEYS = 10_000
const REMEMBER_MS = 60 * 60_000

/**
 * Each API key its own rate-limit bucket (SPEC §7). The limiter runs before authentication (so
 * refused floods count), hence it cannot wait for request.user: it gives a key its own bucket
 * once the key has authenticated on this replica (auth.ts calls `authenticated`). A key never
 * seen to work, such as a made-up one with a valid checksum, counts against its client
 * address like any other request, so inventing keys buys no budget and costs no database read
 * here. A key's first request on a replica is therefore counted against its address. Only routes
 * that admit keys (`config.scopes`) use a key's bucket: the public auth routes and token-only ones
 * count every request against its address whatever it presents, and a key admission refuses
 * (revoked, expired, its owner gone) is forgotten at once.
 */
export class ApiKeyBuckets {
  private readonly known = new LRUCache<string, string>({ max: MAX_KEYS, ttl: REMEMBER_MS })

  /** Remembers that the key with this hash is the key `id`. */
  authenticated (hash: string, id: string): void {
    this.known.set(hash, id)
  }

  /** Forgets a key that no longer authenticates: its requests count against their address again. */
  refused (hash: string): void {
    this.known.delete(hash)
  }

  /** The rate-limit key of a request: `api-key:<id>` for a known key on a route that admits keys, else its client address. */
  keyOf (request: { readonly ip?: string | undefined, readonly headers: { authorization?: string | undefined } }, admitsKeys: () => boolean): string {
    // A hash this replica saw authenticate is a real key: no checksum needed to trust it here.
    const hash = this.known.size === 0 ? null : presentedKey(request)?.hash ?? null
    const id = hash !== null ? this.known.get(hash) : undefined
    // Asked last: Fastify builds request.routeOptions anew on each read.
    return id !== undefined && admitsKeys() ? `api-key:${id}` : clientKey(request)
  }
}
