import type { FastifyInstance } from 'fastify'
import { waitFor } from '../../helpers/wait.js'
import type { TestUser } from '../../helpers/users.js'
import { EVENT_SCHEMAS } from '../../../schemas/webhooks.js'
import { OrderItem } from '../../../schemas/orders.js'

export interface FeedEvent { id: string, type: string, created_at: string, data: { id: string, [key: string]: unknown } }
export interface FeedPage { data: FeedEvent[], next_cursor: string | null, has_more: boolean }

/** One page of GET /api/events; `query` is the raw query string ('' or '?...'), so tests can send odd ones. */
export async function readFeed (app: FastifyInstance, user: TestUser, query = ''): Promise<FeedPage> {
  const res = await app.inject({ method: 'GET', url: `/api/events${query}`, headers: user.headers })
  if (res.statusCode !== 200) throw new Error(`reading the feed failed: ${res.statusCode} ${res.body}`)
  return res.json()
}

/**
 * The feed's first page (up to 100 events, oldest first) once at least `count` events are on it:
 * the feed shows an event when no older transaction of this database is open, and the app's
 * own background work (webhook deliveries) may hold it back a moment.
 */
export async function waitForFeed (app: FastifyInstance, user: TestUser, count: number): Promise<FeedEvent[]> {
  return await waitFor(`${count} events in the feed`, async () => {
    const { data } = await readFeed(app, user, '?limit=100')
    return data.length >= count ? data : undefined
  })
}

/** The event schemas (and what they reference) by `$id`: the references Value.Check resolves against. */
export const EVENT_SCHEMAS_BY_ID = Object.fromEntries([...EVENT_SCHEMAS, OrderItem].map((schema) => [String(Reflect.get(schema, '$id')), schema]))
