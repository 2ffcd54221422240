import type { FastifyInstance } from 'fastify'
import type { TestUser } from '../../helpers/users.js'
import { waitFor } from '../../helpers/wait.js'

/** Quick retries and polling, so retry paths finish in a test's time. */
export const FAST_WEBHOOKS = {
  WEBHOOK_POLL_INTERVAL_MS: '20',
  WEBHOOK_RETRY_BASE_MS: '20',
  WEBHOOK_RETRY_MAX_DELAY_MS: '200'
}

export interface CreatedEndpoint { id: string, secret: string }

export async function createEndpoint (app: FastifyInstance, admin: TestUser, url: string, events: string[] = ['order.created', 'order.status_changed', 'product.out_of_stock']): Promise<CreatedEndpoint> {
  const res = await app.inject({ method: 'POST', url: '/api/webhooks', headers: admin.headers, payload: { url, events } })
  if (res.statusCode !== 201) throw new Error(`creating the endpoint failed: ${res.statusCode} ${res.body}`)
  return { id: res.json().id, secret: res.json().secret }
}

export interface DeliveryView {
  id: string
  event_id: string
  event_type: string
  status: string
  attempts: number
  next_attempt_at: string | null
  last_response_status: number | null
  last_error: string | null
  attempt_log: Array<{ attempt: number, outcome: string, response_status: number | null, latency_ms: number, error: string | null, created_at: string }>
  created_at: string
}

/** Every delivery of the endpoint, through the admin API (all pages). */
export async function deliveriesOf (app: FastifyInstance, admin: TestUser, endpointId: string): Promise<DeliveryView[]> {
  const all: DeliveryView[] = []
  let cursor: string | null = null
  do {
    const query: string = cursor === null ? '' : `&cursor=${cursor}`
    const res = await app.inject({ method: 'GET', url: `/api/webhooks/${endpointId}/deliveries?limit=100${query}`, headers: admin.headers })
    if (res.statusCode !== 200) throw new Error(`listing deliveries failed: ${res.statusCode} ${res.body}`)
    all.push(...res.json().data)
    cursor = res.json().next_cursor
  } while (cursor !== null)
  return all
}

/** Waits until the endpoint's first delivery reaches `status` (the worker records it asynchronously). */
export async function firstDeliveryIn (app: FastifyInstance, admin: TestUser, endpointId: string, status: 'succeeded' | 'failed', waitOptions: { timeoutMs?: number } = {}): Promise<DeliveryView> {
  return await waitFor(`the delivery to be ${status}`, async () => {
    const [delivery] = await deliveriesOf(app, admin, endpointId)
    return delivery?.status === status ? delivery : undefined
  }, waitOptions)
}

export async function eventCount (app: FastifyInstance): Promise<number> {
  const row = await app.db.selectFrom('webhook_events').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()
  return Number(row.n)
}
