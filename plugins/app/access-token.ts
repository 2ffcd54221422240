import type { JWT } from '@fastify/jwt'
import type { FastifyRequest } from 'fastify'
import type { AccessTokenClaims } from './auth.js'

/**
 * The access token's claims, verified by @fastify/jwt's verifier built once at registration
 * (`fastify.jwt.verify`), with the token taken from the header by the library's own
 * `lookupToken` (same header rules and error codes as `request.jwtVerify()`).
 *
 * A performance shortcut (BENCHMARKS.md, "Performance shortcuts"): `request.jwtVerify()` decodes
 * the token (base64 + JSON) before verifying it, merges its options into new objects and runs a
 * three-step callback waterfall on every request, even when fast-jwt answers from its cache of
 * verified tokens; this path is the cached verifier alone. The verifier is the same one, with the
 * same pinned algorithm, issuer, audience and required claims, and the cache never outlives a
 * token's exp. Kept exact by test/plugins/app/access-token.perf-guard.test.ts. Throws
 * @fastify/jwt's errors for the header, fast-jwt's TokenError for the token.
 */
export function verifyAccessToken (jwt: JWT, request: FastifyRequest): AccessTokenClaims {
  return jwt.verify<AccessTokenClaims>(jwt.lookupToken(request))
}
