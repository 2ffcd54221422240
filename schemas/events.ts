import { Type, type Static } from 'typebox'
import { EVENT_TYPES, WebhookEventTypeSchema } from './webhooks.js'

/** The largest page and the longest cursor the feed hands out. */
export const MAX_EVENT_PAGE = 1000
const MAX_EVENT_CURSOR_LENGTH = 256

export const ListEventsQuery = Type.Object({
  after: Type.Optional(Type.String({ minLength: 1, maxLength: MAX_EVENT_CURSOR_LENGTH, description: 'The next_cursor of the previous page; without it the feed starts at the oldest event kept' })),
  types: Type.Optional(Type.Array(WebhookEventTypeSchema, {
    minItems: 1,
    maxItems: EVENT_TYPES.length,
    // A comma list in one parameter, as SPEC §7 writes it (`types=a,b`); repeating the parameter works too.
    style: 'form',
    explode: false,
    description: `Event types to return, comma-separated (${EVENT_TYPES.join(', ')}); an unknown type is a 400`,
    examples: [['order.created', 'order.status_changed']]
  })),
  limit: Type.Optional(Type.Integer({ format: 'int32', minimum: 1, maximum: 1000, default: 100, description: 'Page size (1..1000)' })),
  wait: Type.Optional(Type.Integer({
    format: 'int32',
    minimum: 1,
    maximum: 30,
    description: 'Long-poll: when the page would be empty, wait up to this many seconds for an event before answering'
  }))
}, { additionalProperties: false })

export const EventPage = Type.Object({
  data: Type.Array(Type.Ref('WebhookEvent'), { maxItems: MAX_EVENT_PAGE }),
  next_cursor: Type.String({
    maxLength: MAX_EVENT_CURSOR_LENGTH,
    examples: ['MTIzNDU2OjQ1Njc4'],
    description: 'Pass as ?after= to read on, also from an empty page (it is then the cursor you sent, or, on a first read, the end of the feed so far)'
  }),
  has_more: Type.Boolean({ examples: [false], description: 'true when more events are readable right now (read on at once); false: poll again later, or use wait' })
}, { $id: 'EventPage', title: 'EventPage', description: 'One page of the events feed, in the feed\'s stable order' })

export type ListEventsInput = Static<typeof ListEventsQuery>
export type EventPageBody = Static<typeof EventPage>
