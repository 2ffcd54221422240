import type { Db } from '../../db/database.js'
import { AppError } from '../../lib/app-error.js'
import { HTTP_PROBLEMS } from '../../lib/problems/http.js'
import type { CreateWebhookInput, ListDeliveriesInput, UpdateWebhookInput } from '../../schemas/webhooks.js'
import { decodeCreatedAtCursor, paginate } from '../../lib/http/pagination.js'
import { recordAudit, type AuditContext } from '../audit/record.js'
import * as repo from './repository.js'
import type { AttemptRecord, DeliveryRecord, EndpointRecord } from './repository.js'
import { newSecret } from './signature.js'
import { endpointUrlProblem } from './ssrf.js'
import { WEBHOOK_PROBLEMS } from './problems.js'
import type { Precondition } from '../../lib/http/etag.js'

const DEFAULT_LIMIT = 20

const endpointNotFound = (): AppError => new AppError(WEBHOOK_PROBLEMS.WEBHOOK_NOT_FOUND, 'No webhook endpoint with this id')

/** With the guard on this resolves the url's host (a short bounded wait), before any transaction opens. */
async function assertTargetAllowed (url: string, allowPrivateTargets: boolean): Promise<void> {
  const problem = await endpointUrlProblem(url, allowPrivateTargets)
  if (problem === null) return
  throw new AppError(WEBHOOK_PROBLEMS.WEBHOOK_URL_NOT_ALLOWED, `url ${problem}`, { errors: [{ pointer: '/url', in: 'body', detail: problem }] })
}

/**
 * The schema bounds the list but does not use `uniqueItems` (its error collection is quadratic):
 * a repeated event type is found here, in one pass.
 */
function assertDistinctEvents (events: readonly string[] | undefined): void {
  if (events === undefined) return
  const seen = new Set<string>()
  for (const [index, event] of events.entries()) {
    if (seen.has(event)) {
      const detail = `repeats ${event}: list each event type once`
      throw new AppError(HTTP_PROBLEMS.VALIDATION_FAILED, `body/events/${index} ${detail}`, { errors: [{ pointer: `/events/${index}`, in: 'body', detail }] })
    }
    seen.add(event)
  }
}

/** Webhook endpoints and their deliveries (admin only; see routes/webhooks/index.ts). */
export interface WebhooksContext {
  db: Db
  /** Lifts the SSRF guard on endpoint urls (config.webhooks.allowPrivateTargets). */
  allowPrivateTargets: boolean
}

/** The audit row of an endpoint change; its secret is recorded as changed, never by value. */
const auditEndpoint = async (
  trx: Db, audit: AuditContext, action: 'created' | 'updated' | 'deleted' | 'secret_rotated', id: string, before: EndpointRecord | null, after: EndpointRecord | null
): Promise<void> => {
  const secretsChanged = action === 'created' || action === 'secret_rotated' ? ['secret'] : []
  await recordAudit(trx, audit, { action: `webhook_endpoint.${action}`, resource: { type: 'webhook_endpoint', id }, before, after, secretsChanged })
}

/** An endpoint as just created or rotated: the only time its secret is shown. */
export interface EndpointWithSecret {
  row: EndpointRecord
  secret: string
}

/** A delivery with its attempts, oldest first. */
export interface DeliveryWithAttempts {
  delivery: DeliveryRecord
  attempts: AttemptRecord[]
}

export async function createWebhook (ctx: WebhooksContext, input: CreateWebhookInput, audit: AuditContext): Promise<EndpointWithSecret> {
  assertDistinctEvents(input.events)
  await assertTargetAllowed(input.url, ctx.allowPrivateTargets)
  const secret = newSecret()
  const row = await ctx.db.transaction().execute(async (trx) => {
    const created = await repo.insertEndpoint(trx, { url: input.url, events: input.events, description: input.description ?? '', secret })
    await auditEndpoint(trx, audit, 'created', created.id, null, created)
    return created
  })
  return { row, secret }
}

export async function getWebhook (ctx: WebhooksContext, id: string): Promise<EndpointRecord> {
  const row = await repo.findEndpoint(ctx.db, id)
  if (row === undefined) throw endpointNotFound()
  return row
}

export async function listWebhookPage (ctx: WebhooksContext, query: { limit?: number | undefined, cursor?: string | undefined }): Promise<{ rows: EndpointRecord[], nextCursor: string | null }> {
  const limit = query.limit ?? DEFAULT_LIMIT
  const rows = await repo.listEndpoints(ctx.db, decodeCreatedAtCursor(query.cursor), limit + 1)
  const { page, nextCursor } = paginate(rows, limit, (row) => row.created_at.toISOString())
  return { rows: page, nextCursor }
}

/** PATCH, and secret rotation: the If-Match check and the write see the same locked row. */
export async function updateWebhook (
  ctx: WebhooksContext, id: string, input: UpdateWebhookInput, precondition: Precondition, audit: AuditContext
): Promise<EndpointRecord> {
  assertDistinctEvents(input.events)
  if (input.url !== undefined) await assertTargetAllowed(input.url, ctx.allowPrivateTargets)
  return await ctx.db.transaction().execute(async (trx) => {
    const current = await repo.findEndpoint(trx, id, true)
    if (current === undefined) throw endpointNotFound()
    precondition(current)
    const updated = await repo.updateEndpoint(trx, id, input)
    if (updated === undefined) throw endpointNotFound()
    await auditEndpoint(trx, audit, 'updated', id, current, updated)
    return updated
  })
}

/** A new secret, effective for the next attempt; the old one stops working at once. */
export async function rotateWebhookSecret (ctx: WebhooksContext, id: string, precondition: Precondition, audit: AuditContext): Promise<EndpointWithSecret> {
  const secret = newSecret()
  const row = await ctx.db.transaction().execute(async (trx) => {
    const current = await repo.findEndpoint(trx, id, true)
    if (current === undefined) throw endpointNotFound()
    precondition(current)
    const updated = await repo.updateEndpoint(trx, id, { secret })
    if (updated === undefined) throw endpointNotFound()
    await auditEndpoint(trx, audit, 'secret_rotated', id, current, updated)
    return updated
  })
  return { row, secret }
}

export async function removeWebhook (ctx: WebhooksContext, id: string, precondition: Precondition, audit: AuditContext): Promise<void> {
  await ctx.db.transaction().execute(async (trx) => {
    const current = await repo.findEndpoint(trx, id, true)
    if (current === undefined) throw endpointNotFound()
    precondition(current)
    await repo.deleteEndpoint(trx, id)
    await auditEndpoint(trx, audit, 'deleted', id, current, null)
  })
}

export async function listDeliveryPage (ctx: WebhooksContext, endpointId: string, query: ListDeliveriesInput): Promise<{ rows: DeliveryWithAttempts[], nextCursor: string | null }> {
  await getWebhook(ctx, endpointId)
  const limit = query.limit ?? DEFAULT_LIMIT
  const rows = await repo.listDeliveries(ctx.db, endpointId, { status: query.status, after: decodeCreatedAtCursor(query.cursor) }, limit + 1)
  const { page, nextCursor } = paginate(rows, limit, (row) => row.created_at.toISOString())
  const attempts = await repo.attemptsOf(ctx.db, page.map((row) => row.id))
  return { rows: page.map((delivery) => ({ delivery, attempts: attempts.filter((a) => a.delivery_id === delivery.id) })), nextCursor }
}

/** Makes the delivery due now (a failed one becomes pending again, within its retry window). */
export async function retryDelivery (ctx: WebhooksContext, endpointId: string, deliveryId: string): Promise<DeliveryWithAttempts> {
  await repo.scheduleNow(ctx.db, endpointId, deliveryId)
  const row = await repo.findDelivery(ctx.db, endpointId, deliveryId)
  if (row === undefined) throw new AppError(WEBHOOK_PROBLEMS.WEBHOOK_DELIVERY_NOT_FOUND, 'No delivery with this id for this endpoint')
  return { delivery: row, attempts: await repo.attemptsOf(ctx.db, [row.id]) }
}
