import { randomUUID } from 'node:crypto'
import type { Kysely } from 'kysely'
import type { Database, Role } from '../../db/database.js'
import type { AccessTokenClaims } from '../../plugins/app/auth.js'
import type { LoginBody, RegisterBody, TokenPairBody } from '../../schemas/auth.js'
import type { UserBody } from '../../schemas/users.js'
import { accountGone, emailTaken, invalidCredentials, refreshRejected, tooManyFailures } from './errors.js'
import type { LoginThrottle } from './login-throttle.js'
import { assertStrongPassword } from './password-policy.js'
import { hashPassword, verifyPassword } from './passwords.js'
import { isUniqueViolation } from '../../db/errors.js'
import { profileNames } from '../../lib/users/profile-names.js'
import { consumeRefreshToken, findRefreshToken, insertRefreshToken, revokeFamily, revokeFamilyOfToken } from './token-repository.js'
import { hashRefreshToken, newRefreshToken } from './tokens.js'
import { toUserBody } from '../../lib/users/presenter.js'
import { findCredentials, findUserProfile, findUserRole, insertCustomerProfile, insertUser } from '../../lib/users/repository.js'

export interface AuthServiceDeps {
  db: Kysely<Database>
  signAccessToken: (claims: AccessTokenClaims) => string
  accessTtlSeconds: number
  refreshTtlSeconds: number
  throttle: LoginThrottle
}

export interface AuthService {
  register: (input: RegisterBody) => Promise<UserBody>
  /** `clientIp` keys the failed-login throttle (with the email). */
  login: (input: LoginBody, clientIp: string) => Promise<TokenPairBody>
  refresh: (refreshToken: string) => Promise<TokenPairBody>
  logout: (refreshToken: string) => Promise<void>
  me: (userId: string) => Promise<UserBody>
}

type RefreshOutcome =
  | { kind: 'rotated', pair: TokenPairBody }
  | { kind: 'invalid' | 'expired' | 'reused' }

export function createAuthService (deps: AuthServiceDeps): AuthService {
  const { db, throttle } = deps

  /** Stores a new refresh token in `familyId` (through `executor`, a transaction when rotating) and signs an access token. */
  async function issuePair (executor: Kysely<Database>, user: { id: string, role: Role }, familyId: string): Promise<TokenPairBody> {
    const refreshToken = newRefreshToken()
    await insertRefreshToken(executor, { userId: user.id, familyId, tokenHash: hashRefreshToken(refreshToken), ttlSeconds: deps.refreshTtlSeconds })
    return {
      access_token: deps.signAccessToken({ sub: user.id, role: user.role, jti: randomUUID() }),
      refresh_token: refreshToken,
      token_type: 'Bearer',
      expires_in: deps.accessTtlSeconds
    }
  }

  async function register (input: RegisterBody): Promise<UserBody> {
    await assertStrongPassword(input.password, input.email)
    // Hash before the transaction: no connection is held during the ~20 ms of argon2.
    const passwordHash = await hashPassword(input.password)
    try {
      return await db.transaction().execute(async (trx) => {
        const user = await insertUser(trx, input.email, passwordHash, 'customer')
        const names = profileNames(user.email, input.first_name, input.last_name)
        const customerId = await insertCustomerProfile(trx, { userId: user.id, email: user.email, ...names })
        return toUserBody({ ...user, customer_id: customerId })
      })
    } catch (error) {
      // An unlinked customer profile with this email (made by staff) is not handed over without proof of ownership.
      if (isUniqueViolation(error, 'users_email_key', 'customers_email_key')) throw emailTaken()
      throw error
    }
  }

  async function login ({ email, password }: LoginBody, clientIp: string): Promise<TokenPairBody> {
    const attempt = { email, clientIp }
    const retryAfter = await throttle.retryAfterSeconds(attempt)
    if (retryAfter > 0) throw tooManyFailures(retryAfter)
    const user = await findCredentials(db, email)
    const valid = await verifyPassword(user?.password_hash, password)
    if (user === undefined || !valid) {
      await throttle.recordFailure(attempt)
      throw invalidCredentials()
    }
    await throttle.reset(attempt)
    return await issuePair(db, user, randomUUID())
  }

  async function refresh (refreshToken: string): Promise<TokenPairBody> {
    const tokenHash = hashRefreshToken(refreshToken)
    const outcome = await db.transaction().execute(async (trx): Promise<RefreshOutcome> => {
      const consumed = await consumeRefreshToken(trx, tokenHash)
      if (consumed !== undefined) {
        const user = await findUserRole(trx, consumed.user_id)
        if (user === undefined) return { kind: 'invalid' }
        return { kind: 'rotated', pair: await issuePair(trx, user, consumed.family_id) }
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

  async function logout (refreshToken: string): Promise<void> {
    await revokeFamilyOfToken(db, hashRefreshToken(refreshToken))
  }

  async function me (userId: string): Promise<UserBody> {
    const profile = await findUserProfile(db, userId)
    if (profile === undefined) throw accountGone()
    return toUserBody(profile)
  }

  return { register, login, refresh, logout, me }
}
