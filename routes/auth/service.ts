import { randomUUID } from 'node:crypto'
import type { Db, Role } from '../../db/database.js'
import type { AccessTokenClaims } from '../../plugins/app/auth.js'
import type { LoginBody, RegisterBody, TokenPairBody } from '../../schemas/auth.js'
import type { UserBody } from '../../schemas/users.js'
import { accountGone, emailTaken, invalidCredentials, profileEmailTaken, refreshRejected, tooManyFailures } from './errors.js'
import { recordFailure, resetFailures, retryAfterSeconds, type LoginThrottle } from './login-throttle.js'
import { assertStrongPassword } from './password-policy.js'
import { hashPassword, verifyPassword } from './passwords.js'
import { isUniqueViolation } from '../../db/errors.js'
import { profileNames } from '../../lib/users/profile-names.js'
import { consumeRefreshToken, findRefreshToken, insertRefreshToken, revokeFamily, revokeFamilyOfToken } from './token-repository.js'
import { hashRefreshToken, newRefreshToken } from './tokens.js'
import { toUserBody } from '../../lib/users/presenter.js'
import { recordAudit } from '../audit/record.js'
import { findCredentials, findUserProfile, findUserRole, insertCustomerProfile, insertUser } from '../../lib/users/repository.js'

/** What every auth operation needs; `throttle` counts failed logins. */
export interface AuthContext {
  db: Db
  signAccessToken: (claims: AccessTokenClaims) => string
  accessTtlSeconds: number
  refreshTtlSeconds: number
  throttle: LoginThrottle
}

type RefreshOutcome =
  | { kind: 'rotated', pair: TokenPairBody }
  | { kind: 'invalid' | 'expired' | 'reused' }

/** Stores a new refresh token in `familyId` (through `executor`, a transaction when rotating) and signs an access token. */
async function issuePair (ctx: AuthContext, executor: Db, user: { id: string, role: Role }, familyId: string): Promise<TokenPairBody> {
  const refreshToken = newRefreshToken()
  await insertRefreshToken(executor, { userId: user.id, familyId, tokenHash: hashRefreshToken(refreshToken), ttlSeconds: ctx.refreshTtlSeconds })
  return {
    access_token: ctx.signAccessToken({ sub: user.id, role: user.role, jti: randomUUID() }),
    refresh_token: refreshToken,
    token_type: 'Bearer',
    expires_in: ctx.accessTtlSeconds
  }
}

/** The new account is the actor of its own profile's audit row (`requestId`: the request's id). */
export async function register (ctx: AuthContext, input: RegisterBody, requestId: string): Promise<UserBody> {
  await assertStrongPassword(input.password, input.email)
  // Hash before the transaction: no connection is held during the ~20 ms of argon2.
  const passwordHash = await hashPassword(input.password)
  try {
    return await ctx.db.transaction().execute(async (trx) => {
      const user = await insertUser(trx, input.email, passwordHash, 'customer')
      const names = profileNames(user.email, input.first_name, input.last_name)
      const profile = await insertCustomerProfile(trx, { userId: user.id, email: user.email, ...names })
      await recordAudit(trx, { actor: { type: 'user', id: user.id }, requestId }, { action: 'customer.created', resource: { type: 'customer', id: profile.id }, before: null, after: profile })
      return toUserBody({ ...user, customer_id: profile.id })
    })
  } catch (error) {
    if (isUniqueViolation(error, 'users_email_key')) throw emailTaken()
    // No account has the email, but a customer profile does (made by staff, or another customer's contact
    // address): it is not handed over without proof of ownership, and the answer says what is in the way.
    if (isUniqueViolation(error, 'customers_email_key')) throw profileEmailTaken()
    throw error
  }
}

/** `client` (the request's rate-limit client key) keys the failed-login throttle, with the email. */
export async function login (ctx: AuthContext, { email, password }: LoginBody, client: string): Promise<TokenPairBody> {
  const attempt = { email, client }
  const retryAfter = await retryAfterSeconds(ctx.throttle, attempt)
  if (retryAfter > 0) throw tooManyFailures(retryAfter)
  const user = await findCredentials(ctx.db, email)
  const valid = await verifyPassword(user?.password_hash, password)
  if (user === undefined || !valid) {
    await recordFailure(ctx.throttle, attempt)
    throw invalidCredentials()
  }
  await resetFailures(ctx.throttle, attempt)
  return await issuePair(ctx, ctx.db, user, randomUUID())
}

export async function refresh (ctx: AuthContext, refreshToken: string): Promise<TokenPairBody> {
  const tokenHash = hashRefreshToken(refreshToken)
  const outcome = await ctx.db.transaction().execute(async (trx): Promise<RefreshOutcome> => {
    const consumed = await consumeRefreshToken(trx, tokenHash)
    if (consumed !== undefined) {
      const user = await findUserRole(trx, consumed.user_id)
      if (user === undefined) return { kind: 'invalid' }
      return { kind: 'rotated', pair: await issuePair(ctx, trx, user, consumed.family_id) }
    }
    const known = await findRefreshToken(trx, tokenHash)
    if (known === undefined || known.revoked_at !== null) return { kind: 'invalid' }
    if (known.used_at !== null) {
      // Reuse: someone holds a copy of a rotated token. End every session of that login.
      await revokeFamily(trx, known.family_id)
      return { kind: 'reused' }
    }
    return { kind: 'expired' }
  })
  switch (outcome.kind) {
    case 'rotated': return outcome.pair
    case 'reused': throw refreshRejected('REFRESH_TOKEN_REUSED')
    case 'expired': throw refreshRejected('REFRESH_TOKEN_EXPIRED')
    case 'invalid': throw refreshRejected('REFRESH_TOKEN_INVALID')
  }
}

export async function logout (ctx: AuthContext, refreshToken: string): Promise<void> {
  await revokeFamilyOfToken(ctx.db, hashRefreshToken(refreshToken))
}

export async function me (ctx: AuthContext, userId: string): Promise<UserBody> {
  const profile = await findUserProfile(ctx.db, userId)
  if (profile === undefined) throw accountGone()
  return toUserBody(profile)
}
