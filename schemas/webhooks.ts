import { Type, type Static, type TSchema } from 'typebox'
import { MAX_ORDER_LINES, Order, OrderStatus } from './orders.js'
import { Product } from './products.js'
import { INT32_MAX, MAX_URL_LENGTH } from './bounds.js'
import { Page, PaginationQuery, ResponseHeaders, Timestamp, Uuid, UuidOf } from './common.js'

/** attempt_log shows the latest attempts (routes/webhooks/presenter.ts); the default schedule makes a few dozen in 24 h. */
export const MAX_ATTEMPT_LOG = 100
/** An attempt is aborted after DELIVERY_TIMEOUT_MS (5 s); an hour leaves room for a stalled event loop. */
const MAX_LATENCY_MS = 3_600_000

const ENDPOINT_EXAMPLE_ID = '6c1e0f3a-2b4d-4c8e-9f1a-3d5b7e9c1f2a'

export const WebhookEventTypeSchema = Type.Union([Type.Literal('order.created'), Type.Literal('order.status_changed'), Type.Literal('product.out_of_stock')], {
  title: 'WebhookEventType',
  description: 'order.created; order.status_changed (data.previous_status); product.out_of_stock (stock reached 0)',
  examples: ['order.created']
})

/** The event types, in the schema's order: the one list (the feed's `types`, the presenter's check). */
export const EVENT_TYPES = WebhookEventTypeSchema.anyOf.map((literal) => literal.const)

const EventId = UuidOf('The event id (also the webhook-id header of its deliveries): deduplicate on it', '9a7b5c3d-1e2f-4a6b-8c9d-0e1f2a3b4c5d')

/** The order of an order.status_changed event: the order as staff see it, and the status it left. */
export const OrderStatusChange = Type.Object({
  ...Order.properties,
  // The second OrderItem of a route schema that also holds Order is a reference (docs/openapi.md).
  items: Type.Array(Type.Ref('OrderItem'), { maxItems: MAX_ORDER_LINES, description: 'Order lines, one per product, sorted by product_id' }),
  previous_status: Object.assign({}, OrderStatus, { description: 'The status the order left' })
}, { $id: 'OrderStatusChange', title: 'OrderStatusChange', description: 'An order as staff see it after a status change, with the status it left' })

/** One event type's envelope: `data` is the resource as the API shows it. */
function eventEnvelope<T extends TSchema> (type: WebhookEventType, data: T, name: string, description: string) {
  return Type.Object({
    id: EventId,
    type: Type.Literal(type, { description: `Always ${type}` }),
    created_at: Timestamp,
    data
  }, { $id: name, title: name, description })
}

export const OrderCreatedEvent = eventEnvelope('order.created', Type.Ref('Order'), 'OrderCreatedEvent', 'An order was placed; data is the order as staff see it')
export const OrderStatusChangedEvent = eventEnvelope('order.status_changed', Type.Ref('OrderStatusChange'), 'OrderStatusChangedEvent', 'An order moved to another status; data is the order with previous_status')
export const ProductOutOfStockEvent = eventEnvelope('product.out_of_stock', Type.Ref('Product'), 'ProductOutOfStockEvent', 'A product\'s stock reached 0; data is the product')

/**
 * The Standard Webhooks envelope: the body of a webhook attempt and an item of the events feed,
 * one schema per event type, told apart by `type` (a discriminator, so SDKs get a typed `data`).
 */
export const WebhookEvent = Type.Union([
  Type.Ref('OrderCreatedEvent'), Type.Ref('OrderStatusChangedEvent'), Type.Ref('ProductOutOfStockEvent')
], {
  $id: 'WebhookEvent',
  title: 'WebhookEvent',
  description: 'One event of the outbox, as POSTed to webhooks and listed by GET /api/events',
  discriminator: {
    propertyName: 'type',
    mapping: {
      'order.created': '#/components/schemas/OrderCreatedEvent',
      'order.status_changed': '#/components/schemas/OrderStatusChangedEvent',
      'product.out_of_stock': '#/components/schemas/ProductOutOfStockEvent'
    }
  }
})

/** Each event type's envelope, in WebhookEventType's order: one webhook each in the document. */
export const EVENT_ENVELOPES = [OrderCreatedEvent, OrderStatusChangedEvent, ProductOutOfStockEvent]

const SIGNATURE = 'v1,[A-Za-z0-9+/]{43}='

/** The Standard Webhooks headers of an attempt, as routes/webhooks/signature.ts writes them. */
export const WebhookDeliveryHeaders = Type.Object({
  'webhook-id': UuidOf('The event id (the body\'s id): delivery is at least once, so deduplicate on it', '9a7b5c3d-1e2f-4a6b-8c9d-0e1f2a3b4c5d'),
  'webhook-timestamp': Type.String({
    pattern: '^[0-9]{1,12}$',
    maxLength: 12,
    description: 'Unix seconds when this attempt was signed: refuse one far from your clock (the Standard Webhooks libraries allow 5 minutes)',
    examples: ['1764928800']
  }),
  'webhook-signature': Type.String({
    pattern: `^${SIGNATURE}( ${SIGNATURE})*$`,
    maxLength: 479,
    description: 'v1,<base64 HMAC-SHA256 of "{webhook-id}.{webhook-timestamp}.{raw body}">, keyed with the base64-decoded part of the endpoint\'s secret after whsec_. ' +
      'Standard Webhooks allow several, space-separated: accept the attempt when one matches (this version sends one)',
    examples: ['v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4=']
  })
})

/** What the events route adds with addSchema, referenced ones first. */
export const EVENT_SCHEMAS = [Order, OrderStatusChange, Product, OrderCreatedEvent, OrderStatusChangedEvent, ProductOutOfStockEvent, WebhookEvent]

export const WebhookUrl = Type.String({
  minLength: 8,
  maxLength: MAX_URL_LENGTH,
  description: 'Where events are POSTed. In production it must be https and must not resolve to a loopback, private, link-local or metadata address. Redirects are not followed.',
  examples: ['https://erp.example.com/hooks/goshop']
})

const EventList = Type.Array(WebhookEventTypeSchema, { maxItems: 3, minItems: 1, description: 'The event types sent to this endpoint, each at most once (a repeated type is a 400)', examples: [['order.created', 'order.status_changed']] })

const EndpointDescription = Type.String({ maxLength: 500, description: 'Free text for the admins, up to 500 characters', examples: ['ERP order import'] })

export const WebhookSecret = Type.String({
  maxLength: 64,
  pattern: '^whsec_[A-Za-z0-9+/]+={0,2}$',
  description: 'The signing secret (Standard Webhooks: `whsec_` + base64 of 32 random bytes). Shown only when the endpoint is created or its secret rotated; store it now.',
  examples: ['whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw3zuN6NJf3dE=']
})

const endpointProperties = {
  id: Uuid,
  url: WebhookUrl,
  events: EventList,
  description: EndpointDescription,
  enabled: Type.Boolean({ description: 'A disabled endpoint gets no new deliveries and its pending ones wait', examples: [true] }),
  created_at: Timestamp,
  updated_at: Timestamp
}

const endpointExample = {
  id: ENDPOINT_EXAMPLE_ID,
  url: 'https://erp.example.com/hooks/goshop',
  events: ['order.created', 'order.status_changed'],
  description: 'ERP order import',
  enabled: true,
  created_at: '2026-11-24T10:00:00.000Z',
  updated_at: '2026-11-24T10:00:00.000Z'
}

export const WebhookEndpoint = Type.Object(endpointProperties, {
  $id: 'WebhookEndpoint',
  title: 'WebhookEndpoint',
  description: 'A registered webhook endpoint (its secret is never shown again after creation or rotation)',
  examples: [endpointExample]
})

export const WebhookEndpointWithSecret = Type.Object({ ...endpointProperties, secret: WebhookSecret }, {
  $id: 'WebhookEndpointWithSecret',
  title: 'WebhookEndpointWithSecret',
  description: 'A webhook endpoint with its signing secret: only returned on creation and secret rotation',
  examples: [{ ...endpointExample, secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw3zuN6NJf3dE=' }]
})

export const WebhookEndpointPage = Page(Type.Ref('WebhookEndpoint'), 'WebhookEndpointPage', 'One page of webhook endpoints')

export const CreateWebhookBody = Type.Object({
  url: WebhookUrl,
  events: EventList,
  description: Type.Optional(EndpointDescription)
}, {
  additionalProperties: false,
  $id: 'CreateWebhookEndpointRequest',
  title: 'CreateWebhookEndpointRequest',
  description: 'A new webhook endpoint: its URL and the event types it receives',
  examples: [{ url: 'https://erp.example.com/hooks/goshop', events: ['order.created'], description: 'ERP order import' }]
})

export const UpdateWebhookBody = Type.Object({
  url: Type.Optional(WebhookUrl),
  events: Type.Optional(EventList),
  description: Type.Optional(EndpointDescription),
  enabled: Type.Optional(Type.Boolean({ description: 'false pauses deliveries to this endpoint', examples: [false] }))
}, {
  additionalProperties: false,
  minProperties: 1,
  $id: 'UpdateWebhookEndpointRequest',
  title: 'UpdateWebhookEndpointRequest',
  description: 'The fields of the endpoint to change (at least one)',
  examples: [{ enabled: false }]
})

export const DeliveryStatus = Type.Union([Type.Literal('pending'), Type.Literal('succeeded'), Type.Literal('failed')], {
  title: 'DeliveryStatus',
  description: 'pending: waiting for (another) attempt; succeeded: a 2xx within 5 s; failed: retries exhausted',
  examples: ['pending']
})

const HttpStatus = Type.Integer({ format: 'int32', minimum: 100, maximum: 599, description: 'HTTP status the receiver answered', examples: [200] })
const LatencyMs = Type.Integer({ format: 'int32', minimum: 0, maximum: MAX_LATENCY_MS, description: 'Milliseconds from sending to the response (or the failure)', examples: [87] })
const ErrorExcerpt = Type.String({ maxLength: 512, description: 'Why the attempt failed: a network error, or the start of the response body', examples: ['connect ECONNREFUSED 203.0.113.10:443'] })

export const AttemptOutcome = Type.Union([Type.Literal('succeeded'), Type.Literal('failed')], {
  title: 'AttemptOutcome',
  description: 'succeeded: the receiver answered 2xx within 5 s; failed: anything else',
  examples: ['failed']
})

export const WebhookAttempt = Type.Object({
  attempt: Type.Integer({ format: 'int32', minimum: 1, maximum: INT32_MAX, description: 'The attempt number, from 1', examples: [1] }),
  outcome: AttemptOutcome,
  response_status: Type.Union([HttpStatus, Type.Null()], { description: 'null when no response came (network error, timeout, refused target)' }),
  latency_ms: LatencyMs,
  error: Type.Union([ErrorExcerpt, Type.Null()]),
  created_at: Timestamp
}, { $id: 'WebhookAttempt', title: 'WebhookAttempt', description: 'One attempt to deliver an event' })

export const WebhookDelivery = Type.Object({
  id: Uuid,
  endpoint_id: Uuid,
  event_id: UuidOf('The event (also sent as the webhook-id header)', '9a7b5c3d-1e2f-4a6b-8c9d-0e1f2a3b4c5d'),
  event_type: WebhookEventTypeSchema,
  status: DeliveryStatus,
  attempts: Type.Integer({ format: 'int32', minimum: 0, maximum: INT32_MAX, description: 'Attempts made so far', examples: [2] }),
  next_attempt_at: Type.Union([Timestamp, Type.Null()], { description: 'When the next attempt is due (pending only)' }),
  last_response_status: Type.Union([HttpStatus, Type.Null()]),
  last_latency_ms: Type.Union([LatencyMs, Type.Null()]),
  last_error: Type.Union([ErrorExcerpt, Type.Null()]),
  attempt_log: Type.Array(Type.Ref('WebhookAttempt'), { maxItems: MAX_ATTEMPT_LOG, description: `The latest ${MAX_ATTEMPT_LOG} attempts (all of them under the default retry schedule), oldest first` }),
  created_at: Timestamp,
  updated_at: Timestamp
}, { $id: 'WebhookDelivery', title: 'WebhookDelivery', description: 'The delivery of one event to one endpoint' })

export const WebhookDeliveryPage = Page(Type.Ref('WebhookDelivery'), 'WebhookDeliveryPage', 'One page of deliveries, oldest first')

export const ListWebhooksQuery = Type.Object({ ...PaginationQuery }, { additionalProperties: false })

export const ListDeliveriesQuery = Type.Object({
  ...PaginationQuery,
  status: Type.Optional(DeliveryStatus)
}, { additionalProperties: false })

export const DeliveryParams = Type.Object({
  id: Object.assign({}, Uuid, { description: 'The id of the webhook endpoint' }),
  delivery_id: Object.assign({}, Uuid, { description: 'The id of one of its deliveries' })
}, { additionalProperties: false })

/** Every named schema of this file, for addSchema (they are referenced by $id). */
export const WEBHOOK_SCHEMAS = [WebhookEndpoint, WebhookEndpointWithSecret, WebhookEndpointPage, WebhookAttempt, WebhookDelivery, WebhookDeliveryPage]

export const webhookHeaders = {
  one: { etag: ResponseHeaders.etag },
  created: { etag: ResponseHeaders.etag, location: ResponseHeaders.location('webhooks') },
  page: { link: ResponseHeaders.link('webhooks') }
}

export type WebhookEventType = Static<typeof WebhookEventTypeSchema>
export type WebhookEventBody = Static<typeof WebhookEvent>
export type WebhookEndpointBody = Static<typeof WebhookEndpoint>
export type WebhookEndpointWithSecretBody = Static<typeof WebhookEndpointWithSecret>
export type CreateWebhookInput = Static<typeof CreateWebhookBody>
export type UpdateWebhookInput = Static<typeof UpdateWebhookBody>
export type WebhookAttemptBody = Static<typeof WebhookAttempt>
export type WebhookDeliveryBody = Static<typeof WebhookDelivery>
export type ListDeliveriesInput = Static<typeof ListDeliveriesQuery>
export type DeliveryStatusValue = Static<typeof DeliveryStatus>
