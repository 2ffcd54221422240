import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { AppError } from '../../lib/app-error.js'
import { authenticateRoutes } from '../../plugins/app/auth.js'
import { maskEmail } from '../../lib/logger.js'
import { LoginRequest, LogoutRequest, RefreshRequest, RegisterRequest, TokenPair } from '../../schemas/auth.js'
import { documented, NoContent, problemResponses, ResponseHeaders, withHeaders } from '../../schemas/common.js'
import { User } from '../../schemas/users.js'
import { normalizeEmail } from '../../lib/http/normalize-email.js'
import { clientKey } from '../../lib/rate-limit/client-key.js'
import { LOGIN_FAILURES_PER_ACCOUNT_AND_CLIENT, LOGIN_FAILURES_PER_CLIENT } from './login-throttle.js'
import { auditLoginAttempt, noteLoginProblem } from './login-audit.js'
import { authMetrics } from './metrics.js'
import * as service from './service.js'
import { AUTH_PROBLEMS } from './problems.js'
import { CUSTOMER_PROBLEMS } from '../customers/problems.js'
import { HTTP_PROBLEMS } from '../../lib/problems/http.js'

// Login and refresh answer with Cache-Control: no-store from their handlers (tokens, and their failures).
const noStore = { 'cache-control': ResponseHeaders.noStore }
const tokenPair = documented(TokenPair, { description: 'An access token and the refresh token that renews it', headers: noStore })

/**
 * Bodies of the public auth routes: the largest valid one (a register with a 254-character
 * email, a 128-character password and two 100-character names, every character escaped as
 * \uXXXX) stays under 4 KiB; anything bigger is refused with 413 before it is parsed.
 */
export const AUTH_BODY_LIMIT_BYTES = 8 * 1024

/** Public auth routes: /register, /login, /auth/refresh, /auth/logout; bearer: /auth/me. */
const authRoutes: FastifyPluginAsyncTypebox = async (fastify) => {
  const { config } = fastify
  const auth: service.AuthContext = {
    db: fastify.db,
    signAccessToken: (claims) => fastify.jwt.sign(claims),
    accessTtlSeconds: config.jwt.accessTtlSeconds,
    refreshTtlSeconds: config.jwt.refreshTtlSeconds,
    throttle: { store: fastify.store, windowMs: config.rateLimit.windowMs, log: fastify.log }
  }
  const metrics = authMetrics(fastify.metricsRegistry)
  const authRateLimit = { rateLimit: { max: config.rateLimit.authMax, timeWindow: config.rateLimit.windowMs } }

  fastify.post('/register', {
    config: authRateLimit,
    bodyLimit: AUTH_BODY_LIMIT_BYTES,
    preValidation: normalizeEmail,
    schema: {
      tags: ['auth'],
      operationId: 'registerUser',
      summary: 'Create a customer account',
      description: 'Creates the account (role customer) and its customer profile in one transaction. An email an account has -> 409 EMAIL_TAKEN; one only a customer profile has (made by staff, or another customer\'s contact address) -> 409 CUSTOMER_EMAIL_TAKEN. Omitted names default to the email local part (first_name) and "-" (last_name). Password policy (NIST SP 800-63B): 8..128 characters, not only whitespace, not the email or its local part, not one of ~440k common or breached passwords (case-insensitive) -> 400 WEAK_PASSWORD with the pointer /password.',
      body: RegisterRequest,
      response: { 201: documented(User, { description: 'The created account (role customer)' }), ...problemResponses(AUTH_PROBLEMS.WEAK_PASSWORD, AUTH_PROBLEMS.EMAIL_TAKEN, CUSTOMER_PROBLEMS.CUSTOMER_EMAIL_TAKEN) }
    }
  }, async (request, reply) => {
    const user = await service.register(auth, request.body, request.id)
    request.log.info({ event: 'register', user_id: user.id, email: maskEmail(user.email) }, 'account registered')
    return await reply.code(201).send(user)
  })

  fastify.post('/login', {
    config: authRateLimit,
    bodyLimit: AUTH_BODY_LIMIT_BYTES,
    preValidation: normalizeEmail,
    preSerialization: noteLoginProblem,
    onResponse: auditLoginAttempt,
    schema: {
      tags: ['auth'],
      operationId: 'loginUser',
      summary: 'Exchange email and password for an access and a refresh token',
      description: `Wrong email or password -> 401 INVALID_CREDENTIALS (same answer for unknown emails). Failures are counted per client (IP address, IPv6 by /64) and per email+client, never per email alone, so other clients cannot lock an account: after ${LOGIN_FAILURES_PER_ACCOUNT_AND_CLIENT} failures for one email, or ${LOGIN_FAILURES_PER_CLIENT} for any emails, from one client within the rate-limit window, that client gets 429 RATE_LIMITED with Retry-After (even with the right password).`,
      body: LoginRequest,
      response: { 200: tokenPair, ...withHeaders(problemResponses(AUTH_PROBLEMS.INVALID_CREDENTIALS, HTTP_PROBLEMS.RATE_LIMITED), noStore) }
    }
  }, async (request, reply) => {
    metrics.login.inc()
    reply.header('cache-control', 'no-store')
    try {
      return await service.login(auth, request.body, clientKey(request))
    } catch (error) {
      metrics.loginFailed.inc()
      throw error
    }
  })

  fastify.post('/auth/refresh', {
    bodyLimit: AUTH_BODY_LIMIT_BYTES,
    schema: {
      tags: ['auth'],
      operationId: 'refreshTokens',
      summary: 'Rotate a refresh token into a new token pair',
      description: 'Each refresh token is single use. Presenting one that was already used revokes every token of its login (reuse detection) -> 401 REFRESH_TOKEN_REUSED.',
      body: RefreshRequest,
      response: {
        200: tokenPair,
        ...withHeaders(problemResponses(AUTH_PROBLEMS.REFRESH_TOKEN_INVALID, AUTH_PROBLEMS.REFRESH_TOKEN_EXPIRED, AUTH_PROBLEMS.REFRESH_TOKEN_REUSED), noStore)
      }
    }
  }, async (request, reply) => {
    reply.header('cache-control', 'no-store')
    try {
      return await service.refresh(auth, request.body.refresh_token)
    } catch (error) {
      if (error instanceof AppError && error.code === 'REFRESH_TOKEN_REUSED') {
        request.log.warn({ event: 'refresh_token_reuse', ip: request.ip }, 'refresh token reused: its family is revoked')
      }
      throw error
    }
  })

  fastify.post('/auth/logout', {
    bodyLimit: AUTH_BODY_LIMIT_BYTES,
    schema: {
      tags: ['auth'],
      operationId: 'logoutUser',
      summary: 'Revoke the refresh token and every token rotated from the same login',
      description: 'Idempotent: an unknown, expired or already revoked token also answers 204, so the answer reveals nothing about the token.',
      body: LogoutRequest,
      response: { 204: NoContent }
    }
  }, async (request, reply) => {
    await service.logout(auth, request.body.refresh_token)
    return await reply.code(204).send(null)
  })

  await fastify.register(async function bearerRoutes (bearer) {
    authenticateRoutes(bearer)
    bearer.get('/auth/me', {
      config: { scopes: [] },
      schema: {
        tags: ['auth'],
        operationId: 'getCurrentUser',
        summary: 'The account of the access token or API key',
        description: 'The id, email and current role of the caller (the role as it is now, also when the token was issued with another). With an API key, any scope: the key\'s owner, so a program can check whom its key acts as.',
        security: [{ bearerAuth: [] }],
        response: { 200: documented(User, { description: 'The caller\'s account' }) }
      }
    }, async (request) => await service.me(auth, request.user.id))
  })
}

export default authRoutes
