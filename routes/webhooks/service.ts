import type { Db } from '../../db/database.js'
import { AppError, notFound } from '../../lib/app-error.js'
import type {
  CreateWebhookInput, ListDeliveriesInput, UpdateWebhookInput, WebhookDeliveryBody, WebhookEndpointBody, WebhookEndpointWithSecretBody
} from '../../schemas/webhooks.js'
import { decodeCreatedAtCursor, paginate } from '../../lib/http/pagination.js'
import { presentDelivery, presentEndpoint } from './presenter.js'
import * as repo from './repository.js'
import type { EndpointRecord } from './repository.js'
import { newSecret } from './signature.js'
import { targetUrlProblem } from './ssrf.js'

const DEFAULT_LIMIT = 20

const endpointNotFound = (): AppError => notFound('WEBHOOK_NOT_FOUND', 'No webhook endpoint with this id')

function assertTargetAllowed (url: string, allowPrivateTargets: boolean): void {
  const problem = targetUrlProblem(url, allowPrivateTargets)
  if (problem === null) return
  throw new AppError(422, 'WEBHOOK_URL_NOT_ALLOWED', `url ${problem}`, { errors: [{ pointer: '/url', in: 'body', detail: problem }] })
}

/** Webhook endpoints and their deliveries (admin only; see routes/webhooks/index.ts). */
export class WebhookService {
  readonly #db: Db
  readonly #allowPrivateTargets: boolean

  constructor (db: Db, options: { allowPrivateTargets: boolean }) {
    this.#db = db
    this.#allowPrivateTargets = options.allowPrivateTargets
  }

  async create (input: CreateWebhookInput): Promise<{ row: EndpointRecord, body: WebhookEndpointWithSecretBody }> {
    assertTargetAllowed(input.url, this.#allowPrivateTargets)
    const secret = newSecret()
    const row = await repo.insertEndpoint(this.#db, { url: input.url, events: input.events, description: input.description ?? '', secret })
    return { row, body: { ...presentEndpoint(row), secret } }
  }

  async get (id: string): Promise<EndpointRecord> {
    const row = await repo.findEndpoint(this.#db, id)
    if (row === undefined) throw endpointNotFound()
    return row
  }

  async list (query: { limit?: number | undefined, cursor?: string | undefined }): Promise<{ data: WebhookEndpointBody[], nextCursor: string | null }> {
    const limit = query.limit ?? DEFAULT_LIMIT
    const rows = await repo.listEndpoints(this.#db, decodeCreatedAtCursor(query.cursor), limit + 1)
    const { page, nextCursor } = paginate(rows, limit, (row) => row.created_at.toISOString())
    return { data: page.map(presentEndpoint), nextCursor }
  }

  /** PATCH, and secret rotation: the If-Match check and the write see the same locked row. */
  async update (id: string, input: UpdateWebhookInput, precondition: (current: EndpointRecord) => void): Promise<EndpointRecord> {
    if (input.url !== undefined) assertTargetAllowed(input.url, this.#allowPrivateTargets)
    return await this.#db.transaction().execute(async (trx) => {
      const current = await repo.findEndpoint(trx, id, true)
      if (current === undefined) throw endpointNotFound()
      precondition(current)
      const updated = await repo.updateEndpoint(trx, id, input)
      if (updated === undefined) throw endpointNotFound()
      return updated
    })
  }

  /** A new secret, effective for the next attempt; the old one stops working at once. */
  async rotateSecret (id: string): Promise<{ row: EndpointRecord, body: WebhookEndpointWithSecretBody }> {
    const secret = newSecret()
    const row = await repo.updateEndpoint(this.#db, id, { secret })
    if (row === undefined) throw endpointNotFound()
    return { row, body: { ...presentEndpoint(row), secret } }
  }

  async remove (id: string, precondition: (current: EndpointRecord) => void): Promise<void> {
    await this.#db.transaction().execute(async (trx) => {
      const current = await repo.findEndpoint(trx, id, true)
      if (current === undefined) throw endpointNotFound()
      precondition(current)
      await repo.deleteEndpoint(trx, id)
    })
  }

  async deliveries (endpointId: string, query: ListDeliveriesInput): Promise<{ data: WebhookDeliveryBody[], nextCursor: string | null }> {
    await this.get(endpointId)
    const limit = query.limit ?? DEFAULT_LIMIT
    const rows = await repo.listDeliveries(this.#db, endpointId, { status: query.status, after: decodeCreatedAtCursor(query.cursor) }, limit + 1)
    const { page, nextCursor } = paginate(rows, limit, (row) => row.created_at.toISOString())
    const attempts = await repo.attemptsOf(this.#db, page.map((row) => row.id))
    return { data: page.map((row) => presentDelivery(row, attempts.filter((a) => a.delivery_id === row.id))), nextCursor }
  }

  /** Makes the delivery due now (a failed one becomes pending again, within its retry window). */
  async retry (endpointId: string, deliveryId: string): Promise<WebhookDeliveryBody> {
    if (!await repo.scheduleNow(this.#db, endpointId, deliveryId)) throw notFound('WEBHOOK_DELIVERY_NOT_FOUND', 'No delivery with this id for this endpoint')
    const row = await repo.findDelivery(this.#db, endpointId, deliveryId)
    if (row === undefined) throw notFound('WEBHOOK_DELIVERY_NOT_FOUND', 'No delivery with this id for this endpoint')
    return presentDelivery(row, await repo.attemptsOf(this.#db, [row.id]))
  }
}
