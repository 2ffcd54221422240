import fastifyJwt from '@fastify/jwt'
import type { FastifyInstance, FastifyRequest, onRequestHookHandler } from 'fastify'
import fp from 'fastify-plugin'
import type { Role } from '../../db/database.js'
import { HTTP_PROBLEMS } from '../../lib/problems/http.js'
import { AppError, forbidden } from '../../lib/app-error.js'
import { LiveAccounts } from '../../lib/live-accounts.js'
import { UUID_PATTERN } from '../../schemas/common.js'
import { verifyAccessToken } from './access-token.js'
import { ApiKeyAdmission } from '../../lib/api-keys/admission.js'
import { LiveApiKeys } from '../../lib/api-keys/live-keys.js'
import { presentedKey } from '../../lib/api-keys/presented-key.js'
import type { ApiScope } from '../../lib/scopes.js'
import { routeHooks } from '../../lib/route-hooks.js'

export interface AccessTokenClaims {
  sub: string
  role: Role
  jti: string
}

export interface AuthUser {
  id: string
  /** The account's role now (not the token's claim): see LiveAccounts. */
  role: Role
  /** The access token's jti; absent when an API key authenticated the request. */
  tokenId?: string
  /** The API key that authenticated the request (SPEC §7); absent for access tokens. */
  apiKeyId?: string
  /** An API key's scopes that its owner's current role grants. */
  scopes?: ApiScope[]
}

declare module '@fastify/jwt' {
  interface FastifyJWT {
    payload: AccessTokenClaims
    user: AuthUser
  }
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * Who may call a route under authenticateRoutes(): the roles allowed (any authenticated
     * account when absent). Checked onRequest, with the token, before the body is read.
     */
    access?: RouteAccess
  }
  interface FastifyInstance {
    /** The caller of a valid access token of an existing account, with its current role (a promise only when the role must be read). */
    authenticate: (request: FastifyRequest) => AuthUser | Promise<AuthUser>
    /** Current role (or deletion) of accounts; forget() one after changing it on this replica. */
    liveAccounts: LiveAccounts
    /** API keys (`Authorization: Bearer gsk_...`) in the admission step; keys.forget() one after revoking it here. */
    apiKeyAdmission: ApiKeyAdmission
  }
}

/** Every claim of SPEC §3; a token without any of them is refused. */
export const REQUIRED_CLAIMS = ['sub', 'role', 'iss', 'aud', 'iat', 'exp', 'jti']
/** Verified tokens kept (LRU) so a token used again skips the HMAC and claim checks. */
const VERIFIED_TOKEN_CACHE_SIZE = 10_000

type TokenProblem = typeof HTTP_PROBLEMS.TOKEN_MISSING | typeof HTTP_PROBLEMS.TOKEN_EXPIRED | typeof HTTP_PROBLEMS.TOKEN_INVALID
const unauthorized = (problem: TokenProblem, detail: string): AppError => new AppError(problem, detail, { headers: { 'www-authenticate': 'Bearer' } })

/** @fastify/jwt's (header) and fast-jwt's (token) error codes mapped to ours. */
export function tokenError (error: unknown): AppError {
  const code = typeof error === 'object' && error !== null && 'code' in error ? error.code : undefined
  switch (code) {
    case 'FST_JWT_NO_AUTHORIZATION_IN_HEADER':
      return unauthorized(HTTP_PROBLEMS.TOKEN_MISSING, 'An Authorization: Bearer <access token> header is required')
    case 'FST_JWT_BAD_REQUEST':
      return unauthorized(HTTP_PROBLEMS.TOKEN_MISSING, 'The Authorization header must be "Bearer <access token>"')
    case 'FST_JWT_AUTHORIZATION_TOKEN_EXPIRED':
    case 'FAST_JWT_EXPIRED':
      return unauthorized(HTTP_PROBLEMS.TOKEN_EXPIRED, 'The access token has expired; refresh it')
    default:
      return unauthorized(HTTP_PROBLEMS.TOKEN_INVALID, 'The access token is invalid')
  }
}

export const accountGone = (): AppError => unauthorized(HTTP_PROBLEMS.TOKEN_INVALID, 'The account of this access token no longer exists')

/** A route's access rule (route `config.access`); API-key scopes will be one more field here. */
export interface RouteAccess {
  roles?: readonly Role[]
}

export const STAFF_ONLY: RouteAccess = { roles: ['staff', 'admin'] }
export const ADMIN_ONLY: RouteAccess = { roles: ['admin'] }

/**
 * The one onRequest step that decides who may call a route: the token or API key, then the
 * route's access rule. Everything that can refuse a caller belongs here, so a refused request
 * never has its body read, parsed or validated. A callback hook: while the account (and key) are
 * in this replica's caches the caller is known synchronously and no promise is made.
 */
function admission (instance: FastifyInstance, access: RouteAccess | undefined, scopes: readonly ApiScope[] | undefined): onRequestHookHandler {
  const roles = access?.roles === undefined ? null : new Set(access.roles)
  const refusal = (request: FastifyRequest, user: AuthUser): AppError | undefined => {
    request.user = user
    return roles !== null && !roles.has(user.role) ? forbidden() : undefined
  }
  return function admit (request, _reply, done) {
    let user: AuthUser | Promise<AuthUser>
    try {
      const key = presentedKey(request)
      user = key !== null ? instance.apiKeyAdmission.admit(key, scopes) : instance.authenticate(request)
    } catch (error) {
      done(error instanceof Error ? error : new Error('admission failed', { cause: error }))
      return
    }
    if (user instanceof Promise) user.then((known) => { done(refusal(request, known)) }, done)
    else done(refusal(request, user))
  }
}

/**
 * Makes every route registered later in `instance` (and its children) admit its callers in
 * onRequest (token or API key, then `config.access`; a key also needs one of `config.scopes`): before the body is read or parsed, so a request
 * without a valid token or the right role costs no parsing. The hook is appended to the
 * route's own onRequest hooks, i.e. after the rate limiter (added by its own onRoute hook,
 * registered earlier), so refused floods still count against the limit.
 */
export function authenticateRoutes (instance: FastifyInstance): void {
  instance.addHook('onRoute', (route) => {
    route.onRequest = [...routeHooks(route.onRequest), admission(instance, route.config?.access, route.config?.scopes)]
  })
}

/**
 * Access tokens: HS256 JWTs with sub, role, iss, aud, iat, exp and jti, all required.
 * Verification (@fastify/jwt over fast-jwt) pins the algorithm, issuer and audience, so
 * alg:none or a foreign token never passes; fast-jwt caches verified tokens by a hash of
 * the whole token, never beyond their exp. Authorization then uses the account's current
 * role (LiveAccounts), so a role change or a deletion applies on the next request.
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
      requiredClaims: REQUIRED_CLAIMS,
      cache: VERIFIED_TOKEN_CACHE_SIZE
    },
    formatUser: (payload) => ({ id: payload.sub, role: payload.role, tokenId: payload.jti })
  })
  const liveAccounts = new LiveAccounts(fastify.db)
  fastify.decorate('liveAccounts', liveAccounts)
  fastify.decorate('apiKeyAdmission', new ApiKeyAdmission(new LiveApiKeys(fastify.db), liveAccounts, fastify.apiKeyBuckets))

  fastify.decorate('authenticate', function authenticate (request: FastifyRequest): AuthUser | Promise<AuthUser> {
    let claims: AccessTokenClaims
    try {
      claims = verifyAccessToken(fastify.jwt, request)
    } catch (error) {
      throw tokenError(error)
    }
    const id = claims.sub
    if (typeof id !== 'string' || !UUID_PATTERN.test(id)) throw tokenError(null)
    const user = (role: Role | null): AuthUser => {
      if (role === null) throw accountGone()
      return { id, role, tokenId: claims.jti }
    }
    const role = liveAccounts.cachedRole(id)
    return role !== undefined ? user(role) : liveAccounts.role(id).then(user)
  })
}, { name: 'auth', dependencies: ['config', 'db', 'rate-limit'] })
