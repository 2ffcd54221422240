import fastifyJwt from '@fastify/jwt'
import type { FastifyReply, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify'
import fp from 'fastify-plugin'
import type { Role } from '../db/database.js'
import { AppError, forbidden } from './app-error.js'

export interface AccessTokenClaims {
  sub: string
  role: Role
  jti: string
}

export interface AuthUser {
  id: string
  role: Role
  tokenId: string
}

declare module '@fastify/jwt' {
  interface FastifyJWT {
    payload: AccessTokenClaims
    user: AuthUser
  }
}

declare module 'fastify' {
  interface FastifyInstance {
    /** preValidation hook: a valid access token is required. */
    authenticate: (request: FastifyRequest, reply: FastifyReply) => Promise<void>
    /** preHandler hook: the caller's role must be one of these (run after authenticate). */
    authorize: (...roles: Role[]) => preHandlerAsyncHookHandler
  }
}

/** Verified tokens kept (LRU) so a token used again skips the HMAC and claim checks; see authPlugin. */
const VERIFIED_TOKEN_CACHE_SIZE = 10_000

const unauthorized = (code: string, detail: string): AppError => new AppError(401, code, detail, { headers: { 'www-authenticate': 'Bearer' } })

function tokenError (error: unknown): AppError {
  const code = typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string' ? error.code : ''
  return code === 'FAST_JWT_EXPIRED'
    ? unauthorized('TOKEN_EXPIRED', 'The access token has expired; refresh it')
    : unauthorized('TOKEN_INVALID', 'The access token is invalid')
}

const BEARER = /^Bearer\s/i

/** The token of an `Authorization: Bearer <token>` header (the same rules @fastify/jwt applies). */
function bearerToken (request: FastifyRequest): string {
  const header = request.headers.authorization
  if (header === undefined || !BEARER.test(header)) {
    throw unauthorized('TOKEN_MISSING', 'An Authorization: Bearer <access token> header is required')
  }
  const parts = header.split(' ')
  const token = parts[1]
  if (parts.length !== 2 || token === undefined || token === '') {
    throw unauthorized('TOKEN_MISSING', 'The Authorization header must be "Bearer <access token>"')
  }
  return token
}

function isClaims (payload: unknown): payload is AccessTokenClaims {
  return typeof payload === 'object' && payload !== null &&
    'sub' in payload && typeof payload.sub === 'string' &&
    'role' in payload && typeof payload.role === 'string' &&
    'jti' in payload && typeof payload.jti === 'string'
}

/**
 * Access tokens: HS256 JWTs with sub, role, iss, aud, iat, exp and jti. Verification
 * pins the algorithm, issuer and audience, so alg:none or a foreign token never passes.
 *
 * Clients send the same access token many times, so verified tokens are cached (fast-jwt's
 * verifier cache, keyed by a hash of the whole token). A cache entry never outlives the token:
 * fast-jwt bounds it by the token's exp, so an expired token is refused even when cached.
 * Every request still goes through the verifier. authenticate calls the global verifier
 * directly instead of request.jwtVerify(), which decodes the token a second time and merges
 * options on every call.
 */
export default fp(async function authPlugin (fastify) {
  const { secret, issuer, audience, accessTtlSeconds } = fastify.config.jwt
  await fastify.register(fastifyJwt, {
    secret,
    sign: { algorithm: 'HS256', iss: issuer, aud: audience, expiresIn: accessTtlSeconds },
    verify: {
      algorithms: ['HS256'],
      allowedIss: issuer,
      allowedAud: audience,
      requiredClaims: ['sub', 'role', 'jti', 'exp', 'iat'],
      // Keyed by fast-jwt's default shake256 hash of the whole token (collision-resistant).
      cache: VERIFIED_TOKEN_CACHE_SIZE
    },
    formatUser: (payload) => ({ id: payload.sub, role: payload.role, tokenId: payload.jti })
  })

  fastify.decorate('authenticate', async function authenticate (request: FastifyRequest) {
    const token = bearerToken(request)
    let payload: unknown
    try {
      payload = fastify.jwt.verify(token)
    } catch (error) {
      throw tokenError(error)
    }
    if (!isClaims(payload)) throw tokenError(null)
    request.user = { id: payload.sub, role: payload.role, tokenId: payload.jti }
  })

  fastify.decorate('authorize', (...roles: Role[]): preHandlerAsyncHookHandler => {
    const allowed = new Set(roles)
    return async function authorizeRole (request) {
      if (!allowed.has(request.user.role)) throw forbidden()
    }
  })
}, { name: 'auth', dependencies: ['config'] })
