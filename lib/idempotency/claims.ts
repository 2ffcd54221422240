import { createHash } from 'node:crypto'
import type { Db } from '../../db/database.js'
import { AppError } from '../app-error.js'
import { IDEMPOTENCY_PROBLEMS } from './problems.js'
import { deleteKey, findKey, insertKey, tryLockKey } from './repository.js'

export const IDEMPOTENCY_TTL_SECONDS = 24 * 60 * 60

/** A stored response to send again. */
export interface Replay {
  status: number
  body: unknown
}

export interface IdempotencyContext {
  userId: string
  key: string
  requestHash: string
}

/** JSON with object keys sorted at every depth, so `{a, b}` and `{b, a}` hash the same. */
export function canonicalJson (value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`
  }
  return JSON.stringify(value) ?? 'null'
}

export const requestHash = (body: unknown): string => createHash('sha256').update(canonicalJson(body)).digest('hex')

/**
 * First step of an idempotent transaction: take the (user, key) lock, then look
 * for a stored response. Returns it for replay, or null when this request must
 * run (and later call `rememberResponse` in the same transaction).
 */
export async function claimKey (trx: Db, ctx: IdempotencyContext): Promise<Replay | null> {
  if (!await tryLockKey(trx, ctx.userId, ctx.key)) {
    throw new AppError(IDEMPOTENCY_PROBLEMS.IDEMPOTENCY_KEY_IN_USE, 'A request with this Idempotency-Key is still being processed; retry shortly', {
      headers: { 'retry-after': '1' }
    })
  }
  const stored = await findKey(trx, ctx.userId, ctx.key)
  if (stored === undefined) return null
  if (stored.expired) {
    await deleteKey(trx, ctx.userId, ctx.key)
    return null
  }
  if (stored.request_hash !== ctx.requestHash) {
    // Keys are the caller's, across operations: the stored hash may be of another operation's request.
    throw new AppError(IDEMPOTENCY_PROBLEMS.IDEMPOTENCY_KEY_REUSED, 'This Idempotency-Key was already used for a different request (another body, or another operation): use a new key for each request', {
      errors: [{ pointer: '/idempotency-key', in: 'header', detail: 'was used for a different request' }]
    })
  }
  return { status: stored.response_status, body: stored.response_body }
}

export async function rememberResponse (trx: Db, ctx: IdempotencyContext, response: Replay): Promise<void> {
  await insertKey(trx, { ...ctx, status: response.status, body: response.body, ttlSeconds: IDEMPOTENCY_TTL_SECONDS })
}
