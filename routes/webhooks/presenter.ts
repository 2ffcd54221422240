import { EVENT_TYPES, MAX_ATTEMPT_LOG, type WebhookAttemptBody, type WebhookDeliveryBody, type WebhookEndpointBody, type WebhookEndpointWithSecretBody, type WebhookEventBody, type WebhookEventType } from '../../schemas/webhooks.js'
import type { AttemptRecord, DeliveryRecord, EndpointRecord } from './repository.js'

export function presentEndpoint (row: EndpointRecord): WebhookEndpointBody {
  return {
    id: row.id,
    url: row.url,
    events: row.events.filter(isEventType),
    description: row.description,
    enabled: row.enabled,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString()
  }
}

/** An endpoint as created or rotated: the one response that shows its secret. */
export const presentEndpointWithSecret = ({ row, secret }: { row: EndpointRecord, secret: string }): WebhookEndpointWithSecretBody =>
  ({ ...presentEndpoint(row), secret })

const KNOWN_TYPES: ReadonlySet<string> = new Set<WebhookEventType>(EVENT_TYPES)
function isEventType (type: string): type is WebhookEventType {
  return KNOWN_TYPES.has(type)
}

/** The outbox only ever holds the types recordEvents writes. */
export function eventType (type: string): WebhookEventType {
  if (!isEventType(type)) throw new Error(`unknown event type in the outbox: ${type}`)
  return type
}

export function presentAttempt (row: AttemptRecord): WebhookAttemptBody {
  return {
    attempt: row.attempt,
    outcome: row.outcome,
    response_status: row.response_status,
    latency_ms: row.latency_ms,
    error: row.error,
    created_at: row.created_at.toISOString()
  }
}

export function presentDelivery ({ delivery: row, attempts }: { delivery: DeliveryRecord, attempts: readonly AttemptRecord[] }): WebhookDeliveryBody {
  return {
    id: row.id,
    endpoint_id: row.endpoint_id,
    event_id: row.event_id,
    event_type: eventType(row.event_type),
    status: row.status,
    attempts: row.attempts,
    next_attempt_at: row.status === 'pending' ? row.next_attempt_at.toISOString() : null,
    last_response_status: row.last_response_status,
    last_latency_ms: row.last_latency_ms,
    last_error: row.last_error,
    attempt_log: attempts.slice(-MAX_ATTEMPT_LOG).map(presentAttempt),
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString()
  }
}

/**
 * The Standard Webhooks envelope of an outbox event: the body of every webhook attempt and an
 * item of the events feed (GET /api/events), so both show the same id and bytes for an event.
 */
export function presentEvent (event: { id: string, type: string, created_at: Date, data: unknown }): WebhookEventBody {
  return { id: event.id, type: eventType(event.type), created_at: event.created_at.toISOString(), data: event.data }
}
