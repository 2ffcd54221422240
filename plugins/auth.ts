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

const JWT_ERRORS: Record<string, [string, string]> = {
  FST_JWT_NO_AUTHORIZATION_IN_HEADER: ['TOKEN_MISSING', 'An Authorization: Bearer <access token> header is required'],
  FST_JWT_BAD_REQUEST: ['TOKEN_MISSING', 'The Authorization header must be "Bearer <access token>"'],
  FST_JWT_AUTHORIZATION_TOKEN_EXPIRED: ['TOKEN_EXPIRED', 'The access token has expired; refresh it']
}

function tokenError (error: unknown): AppError {
  const code = typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string' ? error.code : ''
  const [publicCode, detail] = JWT_ERRORS[code] ?? ['TOKEN_INVALID', 'The access token is invalid']
  return new AppError(401, publicCode, detail, { headers: { 'www-authenticate': 'Bearer' } })
}

/**
 * Access tokens: HS256 JWTs with sub, role, iss, aud, iat, exp and jti. Verification
 * pins the algorithm, issuer and audience, so alg:none or a foreign token never passes.
 */
export default fp(async function authPlugin (fastify) {
  const { secret, issuer, audience, accessTtlSeconds } = fastify.config.jwt
  await fastify.register(fastifyJwt, {
    secret,
    sign: { algorithm: 'HS256', iss: issuer, aud: audience, expiresIn: accessTtlSeconds },
    verify: { algorithms: ['HS256'], allowedIss: issuer, allowedAud: audience, requiredClaims: ['sub', 'role', 'jti', 'exp', 'iat'] },
    formatUser: (payload) => ({ id: payload.sub, role: payload.role, tokenId: payload.jti })
  })

  fastify.decorate('authenticate', async function authenticate (request: FastifyRequest) {
    try {
      await request.jwtVerify()
    } catch (error) {
      throw tokenError(error)
    }
  })

  fastify.decorate('authorize', (...roles: Role[]): preHandlerAsyncHookHandler => {
    const allowed = new Set(roles)
    return async function authorizeRole (request) {
      if (!allowed.has(request.user.role)) throw forbidden()
    }
  })
}, { name: 'auth', dependencies: ['config'] })
