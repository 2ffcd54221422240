import { Type, type Static } from 'typebox'
import { MAX_CURSOR_LENGTH } from './bounds.js'
import { PageData, Uuid, UuidOf } from './common.js'

const RESOURCE_EXAMPLE_ID = '0b8f5a3e-1c2d-4e5f-8a9b-0c1d2e3f4a5b'
const ACTOR_EXAMPLE_ID = '3f1c9b2e-6a4d-4e8b-9c1a-2b7d5e8f0a13'

export const AuditResourceType = Type.Union([
  Type.Literal('product'), Type.Literal('customer'), Type.Literal('order'), Type.Literal('user'),
  Type.Literal('webhook_endpoint'), Type.Literal('api_key')
], { title: 'AuditResourceType', description: 'The kind of resource that changed', examples: ['product'] })

export const AuditActorType = Type.Union([Type.Literal('user'), Type.Literal('api_key')], {
  title: 'AuditActorType',
  description: 'user: a person with an access token; api_key: a program with an API key (id is the key\'s id)',
  examples: ['user']
})

export const AuditActor = Type.Object({
  type: AuditActorType,
  id: UuidOf('The user id, or the API key id', ACTOR_EXAMPLE_ID)
}, { $id: 'AuditActor', title: 'AuditActor', description: 'Who made the change' })

export const AuditResource = Type.Object({
  type: AuditResourceType,
  id: UuidOf('The id of the resource that changed', RESOURCE_EXAMPLE_ID)
}, { $id: 'AuditResource', title: 'AuditResource', description: 'What changed' })

const Change = Type.Array(Type.Unknown(), { maxItems: 2, minItems: 2, description: '[before, after]: null before a creation and after a deletion; "[redacted]" for a secret (its value is never stored)', examples: [[1999, 2499]] })

export const AuditEvent = Type.Object({
  id: Uuid,
  at: Type.String({ format: 'date-time', maxLength: 64, description: 'When the change was made (the start of its transaction), RFC 3339 UTC', examples: ['2026-11-24T10:00:00.000Z'] }),
  actor: AuditActor,
  action: Type.String({
    pattern: '^[a-z_]+\\.[a-z_]+$',
    maxLength: 100,
    description: '`<resource>.<verb>`: product.created|updated|deleted|archived, customer.created|updated|deleted, ' +
      'order.created|status_changed, user.role_changed, webhook_endpoint.created|updated|deleted|secret_rotated, api_key.created|rolled|revoked; new actions may be added',
    examples: ['product.updated']
  }),
  resource: AuditResource,
  changes: Type.Object({}, {
    additionalProperties: Change,
    description: 'Each field the change set, as `field: [before, after]` (only fields whose value changed)',
    examples: [{ price_cents: [1999, 2499] }]
  }),
  request_id: Type.String({ maxLength: 200, description: 'The X-Request-Id of the request that made the change', examples: ['5f0c6b7e-3d1c-4c52-9a57-2a3b8f0c1d2e'] })
}, {
  $id: 'AuditEvent',
  title: 'AuditEvent',
  description: 'One change made through the API, recorded in the same transaction as the change',
  examples: [{
    id: '8e2d4f6a-1b3c-4d5e-9f0a-1b2c3d4e5f6a',
    at: '2026-11-24T10:00:00.000Z',
    actor: { type: 'user', id: ACTOR_EXAMPLE_ID },
    action: 'product.updated',
    resource: { type: 'product', id: RESOURCE_EXAMPLE_ID },
    changes: { price_cents: [1999, 2499] },
    request_id: '5f0c6b7e-3d1c-4c52-9a57-2a3b8f0c1d2e'
  }]
})

export const AuditEventPage = Type.Object({
  data: PageData(AuditEvent),
  next_cursor: Type.Union([Type.String({ maxLength: MAX_CURSOR_LENGTH }), Type.Null()], { description: 'Pass as ?after= for the next page; null on the last page', examples: ['eyJ2IjoiMjAyNi0xMS0yNFQxMDowMDowMC4wMDBaIn0'] })
}, { $id: 'AuditEventPage', title: 'AuditEventPage', description: 'One page of audit events, oldest first' })

export const ListAuditEventsQuery = Type.Object({
  resource_type: Type.Optional(AuditResourceType),
  resource_id: Type.Optional(UuidOf('Only changes of this resource')),
  actor_id: Type.Optional(UuidOf('Only changes made by this user or API key')),
  after: Type.Optional(Type.String({ minLength: 1, maxLength: MAX_CURSOR_LENGTH, description: 'Opaque cursor from next_cursor: the events after it' })),
  limit: Type.Optional(Type.Integer({ format: 'int32', minimum: 1, maximum: 100, default: 20, description: 'Page size (1..100)' }))
}, { additionalProperties: false })

export type AuditEventBody = Static<typeof AuditEvent>
export type AuditResourceTypeValue = Static<typeof AuditResourceType>
export type AuditActorTypeValue = Static<typeof AuditActorType>
export type ListAuditEventsInput = Static<typeof ListAuditEventsQuery>
