import type { Db, Role } from '../../db/database.js'
import { AppError } from '../app-error.js'
import type { LiveAccounts } from '../live-accounts.js'
import { HTTP_PROBLEMS } from '../problems/http.js'
import type { ApiKeyBuckets } from '../rate-limit/api-key-buckets.js'
import { API_SCOPES, ROLE_SCOPES, type ApiScope } from '../scopes.js'
import { hashApiKey, isWellFormedApiKey } from './format.js'
import { LiveApiKeys } from './live-keys.js'

/** Who a key-authenticated request acts as: the key's owner, limited to the key's scopes. */
export interface KeyPrincipal {
  id: string
  role: Role
  apiKeyId: string
  /** The key's scopes that its owner's current role still grants. */
  scopes: ApiScope[]
}

const invalid = (detail: string): AppError =>
  new AppError(HTTP_PROBLEMS.API_KEY_INVALID, detail, { headers: { 'www-authenticate': 'Bearer' } })

const insufficientScope = (required: readonly ApiScope[], detail: string): AppError =>
  new AppError(HTTP_PROBLEMS.INSUFFICIENT_SCOPE, detail, { extensions: { required_scopes: [...required] } })

/**
 * The API-key branch of the admission step (plugins/app/auth.ts): the key, its owner's current
 * role, then the route's scopes, all before the body is read. A malformed key or one with a bad
 * checksum is refused before any lookup; the rest costs what a token costs (a per-replica cache
 * of at most 500 ms per key and per account, LiveApiKeys and LiveAccounts).
 */
export class ApiKeyAdmission {
  readonly keys: LiveApiKeys

  constructor (db: Db, private readonly accounts: LiveAccounts, private readonly buckets: ApiKeyBuckets) {
    this.keys = new LiveApiKeys(db)
  }

  /** `routeScopes` undefined: the route takes user access tokens only. */
  async admit (key: string, routeScopes: readonly ApiScope[] | undefined): Promise<KeyPrincipal> {
    if (!isWellFormedApiKey(key)) throw invalid('The API key is malformed (wrong length, characters or checksum)')
    const hash = hashApiKey(key)
    const credential = await this.keys.find(hash)
    if (credential === null) throw invalid('The API key is unknown, revoked or expired')
    const role = await this.accounts.role(credential.user_id)
    if (role === null) throw invalid('The owner of this API key no longer exists')
    this.buckets.authenticated(hash, credential.id)
    if (routeScopes === undefined) throw insufficientScope([], 'This operation takes a user access token, not an API key')
    const granted = ROLE_SCOPES[role]
    const scopes = API_SCOPES.filter((scope) => granted.has(scope) && credential.scopes.includes(scope))
    if (!routeScopes.some((scope) => scopes.includes(scope))) {
      throw insufficientScope(routeScopes, `This operation needs an API key with one of the scopes ${routeScopes.join(', ')}, granted by its owner's current role`)
    }
    await this.keys.used(credential)
    return { id: credential.user_id, role, apiKeyId: credential.id, scopes }
  }
}
