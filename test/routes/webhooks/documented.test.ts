import { Value } from 'typebox/value'
import '../../../lib/formats.js'
import { suite } from '../../helpers/suite.js'
import { createUser } from '../../helpers/users.js'
import { waitFor } from '../../helpers/wait.js'
import { isObject, objectAt, type Json, type JsonObject } from '../../openapi/document.js'
import { EVENT_TYPES, WebhookDeliveryHeaders } from '../../../schemas/webhooks.js'
import { EVENT_SCHEMAS_BY_ID } from '../events/fixtures.js'
import { buildOrdersApp, insertProduct, postOrder, transition } from '../orders/fixtures/orders.js'
import { createEndpoint, FAST_WEBHOOKS } from './fixtures.js'
import { startReceiver } from './receiver.js'

const COMPONENT = '#/components/schemas/'
const HEADER_SCHEMAS = new Map(Object.entries(WebhookDeliveryHeaders.properties))

const list = (value: Json | undefined): Json[] => Array.isArray(value) ? value : []

/** The document's webhook for an event type: its header names (all required) and its body's component. */
function webhookOf (doc: JsonObject, type: string): { headers: string[], optional: string[], component: string, media: string[] } {
  const post = objectAt(objectAt(doc.webhooks, type), 'post')
  const parameters = list(post.parameters).filter(isObject)
  const content = objectAt(objectAt(post, 'requestBody'), 'content')
  const ref = objectAt(content, 'application/json').schema
  return {
    headers: parameters.filter((p) => p.in === 'header').map((p) => String(p.name)).sort(),
    optional: parameters.filter((p) => p.required !== true).map((p) => String(p.name)),
    component: isObject(ref) && typeof ref.$ref === 'string' && ref.$ref.startsWith(COMPONENT) ? ref.$ref.slice(COMPONENT.length) : '',
    media: Object.keys(content)
  }
}

export default suite(import.meta, (t) => {
  t.test('every event type is a documented webhook, and what the worker sends is what the document says', async (t) => {
    const app = await buildOrdersApp(t, { env: FAST_WEBHOOKS })
    const doc: Json = (await app.inject({ method: 'GET', url: '/swagger/json' })).json()
    if (!isObject(doc)) throw new Error('no document')
    t.same(Object.keys(objectAt(doc, 'webhooks')).sort(), [...EVENT_TYPES].sort(), 'one webhook per event type, and no other')
    const schemas = objectAt(objectAt(doc, 'components'), 'schemas')
    for (const type of EVENT_TYPES) {
      const webhook = webhookOf(doc, type)
      t.same(webhook.headers, ['webhook-id', 'webhook-signature', 'webhook-timestamp'], `${type}: the Standard Webhooks headers`)
      t.same(webhook.optional, [], `${type}: each one required`)
      t.same(webhook.media, ['application/json'], `${type}: a JSON body`)
      t.equal(objectAt(objectAt(schemas[webhook.component], 'properties'), 'type').const, type, `${type}: its body is the envelope of that type (${webhook.component})`)
    }
    const operationIds = [objectAt(doc, 'paths'), objectAt(doc, 'webhooks')]
      .flatMap((items) => Object.values(items).flatMap((item) => Object.values(isObject(item) ? item : {})))
      .flatMap((operation) => isObject(operation) && typeof operation.operationId === 'string' ? [operation.operationId] : [])
    t.equal(new Set(operationIds).size, operationIds.length, 'operationIds are unique across paths and webhooks')

    const admin = await createUser(app, 'admin')
    const customer = await createUser(app, 'customer')
    const receiver = await startReceiver(t)
    await createEndpoint(app, admin, receiver.url)
    const product = await insertProduct(app, { stock: 1 })
    const order = await postOrder(app, customer, { items: [{ product_id: product.id, quantity: 1 }] })
    t.equal(order.statusCode, 201)
    t.equal((await transition(app, admin, order.json().id, 'paid')).statusCode, 200)
    await waitFor('one delivery of each event type', async () => receiver.received.length >= EVENT_TYPES.length ? true : undefined)

    for (const request of receiver.received) {
      const body: Json = JSON.parse(request.body)
      const type = isObject(body) ? String(body.type) : ''
      const webhook = webhookOf(doc, type)
      t.ok(webhook.component !== '', `${type} is a documented webhook`)
      t.match(request.headers['content-type'], /^application\/json\b/, `${type}: sent as the documented media type`)
      for (const name of webhook.headers) {
        const schema = HEADER_SCHEMAS.get(name)
        t.ok(schema !== undefined && Value.Check(schema, request.headers[name]), `${type}: ${name} is sent as documented (${String(request.headers[name])})`)
      }
      const envelope = EVENT_SCHEMAS_BY_ID[webhook.component]
      t.ok(envelope !== undefined && Value.Check(EVENT_SCHEMAS_BY_ID, envelope, body), `${type}: the body matches ${webhook.component}`)
    }
    t.same(receiver.received.map((request) => JSON.parse(request.body).type).sort(), [...EVENT_TYPES].sort(), 'each event type was sent once')
  })

  t.test('the header schemas refuse what is not a Standard Webhooks header', async (t) => {
    const check = (name: string, value: string): boolean => {
      const schema = HEADER_SCHEMAS.get(name)
      if (schema === undefined) throw new Error(`no schema for ${name}`)
      return Value.Check(schema, value)
    }
    t.notOk(check('webhook-signature', 'v1,short='), 'a signature that is not a base64 SHA-256')
    t.notOk(check('webhook-signature', 'v2,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4='), 'another version')
    t.ok(check('webhook-signature', 'v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4= v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4='), 'several, space-separated')
    t.notOk(check('webhook-timestamp', '1764928800.5'), 'a timestamp in seconds, whole')
    t.notOk(check('webhook-id', 'evt_1'), 'an event id is a UUID')
  })
})
