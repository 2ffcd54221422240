import type { Db, Role } from '../../db/database.js'
import { AppError, forbidden } from '../../lib/app-error.js'
import { API_KEY_PREFIX_LENGTH, generateApiKey, hashApiKey } from '../../lib/api-keys/format.js'
import type { LiveApiKeys } from '../../lib/api-keys/live-keys.js'
import type { Precondition } from '../../lib/http/etag.js'
import { decodeCreatedAtCursor, paginate } from '../../lib/http/pagination.js'
import { ROLE_SCOPES, type ApiScope } from '../../lib/scopes.js'
import type { ApiKeyBody, CreateApiKeyInput, ListApiKeysInput } from '../../schemas/api-keys.js'
import { recordAudit, type AuditContext } from '../audit/record.js'
import { presentKey } from './presenter.js'
import { API_KEY_PROBLEMS } from './problems.js'
import * as repo from './repository.js'
import type { ApiKeyRecord } from './repository.js'

const DEFAULT_LIMIT = 20
const DAY_MS = 24 * 60 * 60_000
/** Without expires_at a key lives 90 days: long enough for a deployment, short enough that forgotten keys die. */
const DEFAULT_LIFETIME_MS = 90 * DAY_MS
const HOUR_MS = 60 * 60_000

/** The caller of the management routes: a user with an access token (keys cannot manage keys). */
export interface KeyManager { id: string, role: Role }

/** A key just created (or rolled to): its row and the secret, which is shown only in this response. */
export interface NewKey { row: ApiKeyRecord, key: string }

export interface ApiKeysContext {
  db: Db
  /** This replica's cache of key lookups: a revoked or rolled key is forgotten at once here. */
  keys: LiveApiKeys
}

const keyNotFound = (): AppError => new AppError(API_KEY_PROBLEMS.API_KEY_NOT_FOUND, 'No API key with this id is yours')
/** Admins manage every key; others only their own. */
const ownerFilter = (caller: KeyManager): string | null => caller.role === 'admin' ? null : caller.id

const oneYearAfter = (at: Date): Date => { const end = new Date(at); end.setUTCFullYear(end.getUTCFullYear() + 1); return end }

function expiryOf (requested: string | undefined, now: Date): Date {
  if (requested === undefined) return new Date(now.getTime() + DEFAULT_LIFETIME_MS)
  const expiresAt = new Date(requested)
  if (expiresAt.getTime() > now.getTime() && expiresAt.getTime() <= oneYearAfter(now).getTime()) return expiresAt
  const detail = 'must be in the future and at most 1 year away'
  throw new AppError(API_KEY_PROBLEMS.API_KEY_EXPIRY_INVALID, `expires_at ${detail}`, { errors: [{ pointer: '/expires_at', in: 'body', detail }] })
}

function assertGrantable (role: Role, scopes: readonly ApiScope[]): void {
  const refused = scopes.filter((scope) => !ROLE_SCOPES[role].has(scope))
  if (refused.length === 0) return
  throw new AppError(API_KEY_PROBLEMS.API_KEY_SCOPE_NOT_GRANTABLE, `A ${role} cannot grant ${refused.join(', ')}`, {
    errors: refused.map((scope) => ({ pointer: `/scopes/${scopes.indexOf(scope)}`, in: 'body', detail: `is beyond the ${role} role` }))
  })
}

async function insertNewKey (trx: Db, owner: string, name: string, scopes: readonly string[], expiresAt: Date, audit: AuditContext): Promise<NewKey> {
  const key = generateApiKey()
  const row = await repo.insertKey(trx, {
    user_id: owner, name, prefix: key.slice(0, API_KEY_PREFIX_LENGTH), key_hash: hashApiKey(key), scopes: [...new Set(scopes)], expires_at: expiresAt
  })
  await recordAudit(trx, audit, { action: 'api_key.created', resource: { type: 'api_key', id: row.id }, before: null, after: row, secretsChanged: ['key'] })
  return { row, key }
}

/** A key for the caller itself, with scopes its role may grant (403 otherwise). */
export async function createKey (ctx: ApiKeysContext, caller: KeyManager, input: CreateApiKeyInput, audit: AuditContext): Promise<NewKey> {
  assertGrantable(caller.role, input.scopes)
  const expiresAt = expiryOf(input.expires_at, new Date())
  return await ctx.db.transaction().execute(async (trx) => await insertNewKey(trx, caller.id, input.name, input.scopes, expiresAt, audit))
}

export async function getKey (ctx: ApiKeysContext, caller: KeyManager, id: string): Promise<ApiKeyRecord> {
  const row = await repo.findKey(ctx.db, id, ownerFilter(caller))
  if (row === undefined) throw keyNotFound()
  const { key_hash: _hash, ...key } = row
  return key
}

/**
 * Admins list every key, or one user's with ?user_id=; anyone else lists their own, and a user_id
 * other than their own is refused (403), not ignored: an ignored filter would pass their own keys
 * off as that user's.
 */
export async function listKeyPage (ctx: ApiKeysContext, caller: KeyManager, query: ListApiKeysInput): Promise<{ data: ApiKeyBody[], nextCursor: string | null }> {
  const limit = query.limit ?? DEFAULT_LIMIT
  const own = ownerFilter(caller)
  const requested = query.user_id?.toLowerCase() ?? null
  if (own !== null && requested !== null && requested !== own) throw forbidden('Only admins list another user\'s keys (user_id)')
  const userId = own ?? requested
  const rows = await repo.listKeys(ctx.db, { userId, after: decodeCreatedAtCursor(query.cursor) }, limit + 1)
  const { page, nextCursor } = paginate(rows, limit, (row) => row.created_at.toISOString())
  return { data: page.map(presentKey), nextCursor }
}

/** Revokes the key at once (on this replica; on the others within API_KEY_STATE_TTL_MS), if it still has the caller's If-Match. */
export async function revokeKey (ctx: ApiKeysContext, caller: KeyManager, id: string, precondition: Precondition, audit: AuditContext): Promise<void> {
  const hash = await ctx.db.transaction().execute(async (trx) => {
    const current = await repo.findKey(trx, id, ownerFilter(caller), true)
    if (current === undefined) throw keyNotFound()
    precondition(current)
    const { key_hash: keyHash, ...before } = current
    const after = await repo.revokeKey(trx, id)
    await recordAudit(trx, audit, { action: 'api_key.revoked', resource: { type: 'api_key', id }, before, after })
    return keyHash
  })
  ctx.keys.forget(hash)
}

/**
 * A new key with the old one's owner, name, scopes and lifetime; the old one keeps working for
 * `overlapHours`, then stops (its expires_at is brought forward, never pushed back). Only a live
 * key that was not rolled before is rolled (409 otherwise): so a successor always gets its
 * predecessor's full lifetime.
 */
export async function rollKey (ctx: ApiKeysContext, caller: KeyManager, id: string, overlapHours: number, audit: AuditContext): Promise<NewKey> {
  const { body, hash } = await ctx.db.transaction().execute(async (trx) => {
    const current = await repo.findKey(trx, id, ownerFilter(caller), true)
    const now = new Date()
    if (current === undefined) throw keyNotFound()
    // Admins see and revoke every key, but a roll hands out a secret that acts as the key's owner.
    if (current.user_id !== caller.id) throw forbidden('Only its owner rolls a key: the new key would act as them. Revoke it (DELETE) instead; its owner can create or roll their own')
    // A key rolled with no overlap is also expired: its successor is the key to roll.
    if (current.rolled_at !== null) throw new AppError(API_KEY_PROBLEMS.API_KEY_ALREADY_ROLLED, 'This key was already rolled: roll its successor')
    if (current.expires_at <= now) throw new AppError(API_KEY_PROBLEMS.API_KEY_EXPIRED, `This key expired at ${current.expires_at.toISOString()}; create a new one (POST /api/api-keys)`)
    const { key_hash: keyHash, ...before } = current
    const after = await repo.shortenKey(trx, id, new Date(now.getTime() + overlapHours * HOUR_MS))
    await recordAudit(trx, audit, { action: 'api_key.rolled', resource: { type: 'api_key', id }, before, after })
    const lifetime = Math.min(before.expires_at.getTime() - before.created_at.getTime(), oneYearAfter(now).getTime() - now.getTime())
    const created = await insertNewKey(trx, before.user_id, before.name, before.scopes, new Date(now.getTime() + lifetime), audit)
    return { body: created, hash: keyHash }
  })
  ctx.keys.forget(hash)
  return body
}
