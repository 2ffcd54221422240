import { suite } from '../helpers/suite.js'
import { isObject, objectAt, openApiDocument, operations, type Json, type JsonObject } from './document.js'

const RESOURCES = ['Product', 'ProductPage', 'Customer', 'CustomerPage', 'Order', 'OrderItem', 'OrderPage', 'User', 'TokenPair', 'Problem', 'FieldError']

/** Every object anywhere under `value`, with its JSON path. */
function * objectsIn (value: Json | undefined, path: string): Generator<[string, JsonObject]> {
  if (Array.isArray(value)) {
    for (const [index, child] of value.entries()) yield * objectsIn(child, `${path}/${index}`)
  } else if (isObject(value)) {
    yield [path, value]
    for (const [key, child] of Object.entries(value)) yield * objectsIn(child, `${path}/${key}`)
  }
}

const schemaOf = (media: Json | undefined): JsonObject => objectAt(media, 'schema')

export default suite(import.meta, (t) => {
  t.test('one named component per resource, referenced everywhere (one generated type each)', async (t) => {
    const doc = await openApiDocument(t)
    const components = objectAt(objectAt(doc, 'components'), 'schemas')
    for (const name of RESOURCES) t.ok(isObject(components[name]), `${name} is a component`)

    t.same(objectAt(objectAt(objectAt(components.Problem, 'properties'), 'errors'), 'items'), { $ref: '#/components/schemas/FieldError' },
      'Problem.errors[] references FieldError')
    t.same(objectAt(objectAt(components.ProductPage, 'properties'), 'data').items, { $ref: '#/components/schemas/Product' }, 'ProductPage.data[] references Product')
    t.same(objectAt(objectAt(components.Order, 'properties'), 'items').items, { $ref: '#/components/schemas/OrderItem' }, 'Order.items[] references OrderItem')
    // Validated item by item by the service (a bad item gets its own result), shown as the type each item must have.
    t.match(objectAt(objectAt(components.UpsertProductBatchRequest, 'properties'), 'items').items, { $ref: '#/components/schemas/WriteProductRequest' },
      'UpsertProductBatchRequest.items[] references WriteProductRequest')
    t.notOk(JSON.stringify(doc).includes('x-checked-as'), 'the marker that says so stays out of the document')

    // Every JSON request and response body is a reference: nothing is inlined for a generator to name on its own.
    for (const { name, operation } of operations(doc)) {
      for (const [status, response] of Object.entries(objectAt(operation, 'responses'))) {
        for (const [type, media] of Object.entries(objectAt(response, 'content'))) {
          if (type === 'application/x-ndjson') {
            // A stream of JSON texts, not one: raw bytes to a generator, each line's schema named beside it.
            t.match(schemaOf(media), { format: 'binary', contentMediaType: type }, `${name} ${status} ${type} is a byte stream`)
            t.match(objectAt(media, 'x-item-schema'), { $ref: /^#\/components\/schemas\/[A-Z]\w+$/ }, `${name} ${status} ${type}: each line is a $ref`)
          } else {
            t.match(schemaOf(media), { $ref: /^#\/components\/schemas\/[A-Z]\w+$/ }, `${name} ${status} ${type} is a $ref`)
          }
        }
      }
      for (const [type, media] of Object.entries(objectAt(objectAt(operation, 'requestBody'), 'content'))) {
        t.match(schemaOf(media), { $ref: /^#\/components\/schemas\/[A-Z]\w+$/ }, `${name} request ${type} is a $ref`)
      }
    }

    // A component's shape never appears inlined elsewhere (its title would name a second type).
    const names = new Set(Object.keys(components))
    const inlined = [...objectsIn(doc, '')]
      .filter(([path, schema]) => typeof schema.title === 'string' && names.has(schema.title) && path !== `/components/schemas/${schema.title}`)
      .map(([path]) => path)
    t.same(inlined, [], 'no component is inlined anywhere')

    // SPEC §1: each enum is a named schema. An enum inlined in a body or parameter (an `enum` list, or
    // a union of consts: a TypeBox union without a `title` in schemas/components.ts) gives each use its
    // own generated type. Response header schemas (Content-Encoding) are not generated as types.
    const isEnum = (schema: JsonObject): boolean => (Array.isArray(schema.enum) && schema.enum.length > 1) ||
      [schema.anyOf, schema.oneOf].some((branches) => Array.isArray(branches) && branches.length > 1 && branches.every((branch) => isObject(branch) && branch.const !== undefined))
    const inlineEnums = [...objectsIn(doc, '')]
      .filter(([path, schema]) => isEnum(schema) && !/^\/components\/schemas\/[^/]+$/.test(path) && !path.includes('/headers/'))
      .map(([path]) => path)
    t.same(inlineEnums, [], 'no enum is inlined: each is a named component')

    // Schemas, and the headers every response carries (lib/openapi/transform.ts), are components.
    const refs = new Set([...objectsIn(doc, '')].map(([, node]) => node.$ref).filter((ref): ref is string => typeof ref === 'string'))
    const headers = new Set(Object.keys(objectAt(objectAt(doc, 'components'), 'headers')))
    const resolves = (ref: string): boolean => ref.startsWith('#/components/schemas/')
      ? names.has(ref.slice('#/components/schemas/'.length))
      : ref.startsWith('#/components/headers/') && headers.has(ref.slice('#/components/headers/'.length))
    for (const ref of refs) t.ok(resolves(ref), `${ref} resolves`)
    for (const name of names) t.ok(refs.has(`#/components/schemas/${name}`), `component ${name} is used`)
    t.ok(headers.size > 0, 'shared response headers are components')
    for (const name of headers) t.ok(refs.has(`#/components/headers/${name}`), `header component ${name} is used`)
  })

  t.test('declared headers, parameters Swagger UI does not pre-fill, metadata', async (t) => {
    const doc = await openApiDocument(t)
    const op = (path: string, method: string): JsonObject => objectAt(objectAt(objectAt(doc, 'paths'), path), method)
    const headersOf = (path: string, method: string, status: string): string[] =>
      Object.keys(objectAt(objectAt(objectAt(op(path, method), 'responses'), status), 'headers'))

    t.match(headersOf('/api/orders', 'post', '201'), ['ETag', 'Location', 'Idempotent-Replayed', 'X-Request-Id'], 'order creation declares its headers')
    t.ok(headersOf('/api/orders/{id}', 'get', '200').includes('ETag'), 'GET order declares ETag')
    t.ok(headersOf('/api/orders/{id}/transitions', 'post', '200').includes('ETag'), 'transition declares ETag')
    t.ok(headersOf('/api/users/{id}/role', 'put', '200').includes('ETag'), 'a role change declares the ETag it sends (the user\'s version)')
    for (const list of ['/api/products', '/api/customers', '/api/orders']) t.ok(headersOf(list, 'get', '200').includes('Link'), `${list} declares Link`)
    t.ok(headersOf('/api/products', 'get', '401').includes('WWW-Authenticate'), '401 of a bearer operation declares WWW-Authenticate')
    t.ok(headersOf('/api/products', 'get', '429').includes('Retry-After'), '429 declares Retry-After')
    const eventParameters = op('/api/events', 'get').parameters
    const types = (Array.isArray(eventParameters) ? eventParameters.filter(isObject) : []).find((parameter) => parameter.name === 'types')
    t.match(types, { in: 'query', style: 'form', explode: false, schema: { type: 'array', items: { $ref: '#/components/schemas/WebhookEventType' } } },
      'the events filter is a comma list of the named enum, serialized as a generated client sends it (style and explode on the parameter)')
    t.notOk('style' in objectAt(types, 'schema'), 'and not left inside its schema')

    for (const { name, method, operation } of operations(doc)) {
      t.not(method, 'head', `${name}: HEAD is implied by GET, so not documented`)
      for (const parameter of Array.isArray(operation.parameters) ? operation.parameters.filter(isObject) : []) {
        if (parameter.in === 'path') continue
        const schema = objectAt(parameter, 'schema')
        const prefilled = parameter.example !== undefined || parameter.examples !== undefined || schema.example !== undefined || schema.examples !== undefined
        t.notOk(prefilled, `${name}: ${String(parameter.in)} parameter ${String(parameter.name)} has no example for Try it out to send`)
      }
    }

    const license = objectAt(objectAt(doc, 'info'), 'license')
    t.equal(license.name, 'Proprietary', 'the licence is named')
    t.notOk('identifier' in license, 'no SPDX identifier is claimed for a proprietary package')
    t.same(doc.servers, [{ url: '/', description: 'This deployment (PUBLIC_URL)', 'x-internal': false }], 'servers default to the relative /')
    const operationsTag = (Array.isArray(doc.tags) ? doc.tags.filter(isObject) : []).find((tag) => tag.name === 'operations')
    const paths = Object.keys(objectAt(doc, 'paths'))
    for (const promised of ['metrics', 'help', 'problems', 'health']) {
      if (String(operationsTag?.description).toLowerCase().includes(promised)) {
        t.ok(paths.some((path) => path.includes(promised)), `the operations tag mentions ${promised}, and it is listed`)
      }
    }
  })
})
