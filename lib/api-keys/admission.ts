import type { Role } from '../../db/database.js'
import { AppError } from '../app-error.js'
import type { LiveAccounts } from '../live-accounts.js'
import { HTTP_PROBLEMS } from '../problems/http.js'
import type { ApiKeyBuckets } from '../rate-limit/api-key-buckets.js'
import { API_SCOPES, ROLE_SCOPES, type ApiScope } from '../scopes.js'
import { isWellFormedApiKey } from './format.js'
import type { LiveApiKeys } from './live-keys.js'
import type { PresentedKey } from './presented-key.js'
import type { KeyCredential } from './repository.js'

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

const malformed = (): AppError => invalid('The API key is malformed (wrong length, characters or checksum)')
const unknown = (): AppError => invalid('The API key is unknown, revoked or expired')

const insufficientScope = (required: readonly ApiScope[], detail: string): AppError =>
  new AppError(HTTP_PROBLEMS.INSUFFICIENT_SCOPE, detail, { extensions: { required_scopes: [...required] } })

/**
 * The API-key branch of the admission step (plugins/app/auth.ts): the key, its owner's current
 * role, then the route's scopes, all before the body is read. A malformed key or one with a bad
 * checksum is refused before any lookup; the rest costs what a token costs (a per-replica cache
 * of at most 500 ms per key and per account, LiveApiKeys and LiveAccounts): while both are fresh,
 * admit() answers synchronously, with the key hashed once per request (presented-key.ts).
 */
export class ApiKeyAdmission {
  constructor (readonly keys: LiveApiKeys, private readonly accounts: LiveAccounts, private readonly buckets: ApiKeyBuckets) {}

  /** `routeScopes` undefined: the route takes user access tokens only. A promise only when something must be read or written. */
  admit ({ key, hash }: PresentedKey, routeScopes: readonly ApiScope[] | undefined): KeyPrincipal | Promise<KeyPrincipal> {
    if (hash === null) throw malformed()
    const credential = this.keys.cached(hash)
    if (credential === null) throw this.refuse(hash, unknown())
    const role = credential === undefined ? undefined : this.accounts.cachedRole(credential.user_id)
    if (credential === undefined || role === undefined) return this.admitFromDatabase(key, hash, routeScopes)
    return this.grant(credential, role, hash, routeScopes)
  }

  /** A key that does not authenticate loses its own rate-limit bucket (lib/rate-limit/api-key-buckets.ts). */
  private refuse (hash: string, error: AppError): AppError {
    this.buckets.refused(hash)
    return error
  }

  private async admitFromDatabase (key: string, hash: string, routeScopes: readonly ApiScope[] | undefined): Promise<KeyPrincipal> {
    if (!isWellFormedApiKey(key)) throw malformed()
    const credential = await this.keys.find(hash)
    if (credential === null) throw this.refuse(hash, unknown())
    return await this.grant(credential, await this.accounts.role(credential.user_id), hash, routeScopes)
  }

  private grant (credential: KeyCredential, role: Role | null, hash: string, routeScopes: readonly ApiScope[] | undefined): KeyPrincipal | Promise<KeyPrincipal> {
    if (role === null) throw this.refuse(hash, invalid('The owner of this API key no longer exists'))
    this.buckets.authenticated(hash, credential.id)
    if (routeScopes === undefined) throw insufficientScope([], 'This operation takes a user access token, not an API key')
    const granted = ROLE_SCOPES[role]
    const scopes = API_SCOPES.filter((scope) => granted.has(scope) && credential.scopes.includes(scope))
    if (routeScopes.length > 0 && !routeScopes.some((scope) => scopes.includes(scope))) {
      throw insufficientScope(routeScopes, `This operation needs an API key with one of the scopes ${routeScopes.join(', ')}, granted by its owner's current role`)
    }
    const principal: KeyPrincipal = { id: credential.user_id, role, apiKeyId: credential.id, scopes }
    const touched = this.keys.used(credential)
    return touched === undefined ? principal : touched.then(() => principal)
  }
}
