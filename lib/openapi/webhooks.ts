import { EVENT_ENVELOPES, WebhookDeliveryHeaders } from '../../schemas/webhooks.js'
import { asRecord, componentRef } from './components.js'

type Json = Record<string, unknown>

function text (schema: Json, keyword: string): string {
  const value = schema[keyword]
  if (typeof value !== 'string') throw new Error(`a webhook schema has no ${keyword}`)
  return value
}

/** `order.status_changed` -> `orderStatusChangedWebhook`: generated SDKs name the receiver's types after it. */
const operationIdOf = (type: string): string =>
  `${type.split(/[._]/).map((word, i) => i === 0 ? word : `${word.charAt(0).toUpperCase()}${word.slice(1)}`).join('')}Webhook`

/** The delivery headers as header parameters, each schema's description moved to its parameter. */
const HEADER_PARAMETERS: Json[] = Object.entries(WebhookDeliveryHeaders.properties).map(([name, schema]) => {
  const { description, ...rest } = asRecord(schema)
  return { name, in: 'header', required: true, description, schema: rest }
})

const RESPONSES: Json = {
  '2XX': { description: 'Received: any 2xx within 5 s ends the delivery (the body is ignored). Answer first, work afterwards.' },
  '4XX': { description: 'Refused (a signature that does not verify, say): the attempt failed and is retried like any failure, until WEBHOOK_MAX_RETRY_AGE' },
  default: { description: 'Any other answer, a redirect (never followed), no answer within 5 s or a refused connection: retried with exponential backoff and jitter' }
}

/**
 * The document's `webhooks` (OpenAPI 3.1): one POST per event type, as the delivery worker sends
 * it (routes/webhooks/sender.ts, signature.ts), so SDKs generate the receiver's types: the body
 * (the event's envelope, a component shared with GET /api/events) and the signature headers.
 */
export function webhookOperations (): Json {
  return Object.fromEntries(EVENT_ENVELOPES.map((envelope) => {
    const type = envelope.properties.type.const
    const schema = asRecord(envelope)
    return [type, {
      post: {
        operationId: operationIdOf(type),
        summary: `Receive ${type}`,
        description: `${text(schema, 'description')}. Sent to every enabled endpoint subscribed to ${type} (POST /api/webhooks), ` +
          'signed as Standard Webhooks specify: verify the signature over the raw body before parsing it. Delivery is at least once and ' +
          'in no guaranteed order; GET /api/events lists the same events with the same ids.',
        tags: ['webhooks'],
        security: [],
        parameters: HEADER_PARAMETERS,
        requestBody: { required: true, content: { 'application/json': { schema: componentRef(text(schema, '$id')) } } },
        responses: RESPONSES
      }
    }]
  }))
}
