import { apiKeyOf, hasApiKeyShape, hashApiKey } from './format.js'

/** The API key a request presents (`Authorization: Bearer gsk_...`). */
export interface PresentedKey {
  key: string
  /** Its lookup hash (SHA-256), or null when the value does not even have a key's shape. */
  hash: string | null
}

const presented = new WeakMap<object, PresentedKey | null>()

/**
 * A performance shortcut (BENCHMARKS.md, "Performance shortcuts"): the rate limiter (a known
 * key's own bucket) and the admission step (the key's credential) both look a key up by its
 * SHA-256, once per request here instead of once each; with the checksum skipped for a key this
 * replica already knows, a key costs one hash per request, as a token does in fast-jwt's cache.
 * Kept exact by test/lib/api-keys/presented-key.perf-guard.test.ts.
 */
export function presentedKey (request: { readonly headers: { readonly authorization?: string | undefined } }): PresentedKey | null {
  const memo = presented.get(request)
  if (memo !== undefined) return memo
  const key = apiKeyOf(request.headers.authorization)
  const result = key === null ? null : { key, hash: hasApiKeyShape(key) ? hashApiKey(key) : null }
  presented.set(request, result)
  return result
}
