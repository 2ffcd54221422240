import { suite } from '../../helpers/suite.js'
import { buildTestApp } from '../../helpers/app.js'
import { createUser } from '../../helpers/users.js'
import { isObject, objectAt, openApiDocument, operations } from '../../openapi/document.js'
import { acceptable } from '../../../plugins/app/accept.js'

export default suite(import.meta, (t) => {
  t.test('Accept headers JSON cannot satisfy', async (t) => {
    for (const accept of ['application/xml', 'text/html', 'text/*', 'application/json;q=0', 'application/xml, */*;q=0', 'image/png, application/pdf']) {
      t.notOk(acceptable(accept), accept)
    }
    for (const accept of [undefined, '', 'application/json', 'application/problem+json', '*/*', 'application/*', 'text/html, application/json;q=0.1', 'APPLICATION/JSON; charset=utf-8', 'application/xml, */*;q=0.5']) {
      t.ok(acceptable(accept), String(accept))
    }
  })

  t.test('406 NOT_ACCEPTABLE before any work; satisfiable Accept headers are served', async (t) => {
    const app = await buildTestApp(t)
    const staff = await createUser(app, 'staff')
    const refused = await app.inject({ method: 'GET', url: '/api/products', headers: { ...staff.headers, accept: 'application/xml' } })
    t.equal(refused.statusCode, 406)
    t.match(refused.headers['content-type'], /^application\/problem\+json/)
    t.match(refused.json(), { code: 'NOT_ACCEPTABLE', type: '/problems/not-acceptable', title: 'Not acceptable', status: 406 })
    const write = await app.inject({ method: 'POST', url: '/api/products', headers: { ...staff.headers, accept: 'text/html' }, payload: { sku: 'ACC-1', name: 'Not written', price_cents: 100, stock: 1 } })
    t.equal(write.statusCode, 406)
    const list = await app.inject({ method: 'GET', url: '/api/products', headers: staff.headers })
    t.equal(list.json().data.length, 0, 'the refused write changed nothing')
    t.equal((await app.inject({ method: 'GET', url: '/help', headers: { accept: 'application/xml' } })).statusCode, 406, 'public operations too')
    // A body sent to an operation that takes none is still read, so 415 (and 413) can answer it: both are declared.
    const xml = await app.inject({ method: 'DELETE', url: '/api/products/3f1c9b2e-6a4d-4e8b-9c1a-2b7d5e8f0a13', headers: { ...staff.headers, 'content-type': 'application/xml' }, payload: '<x/>' })
    t.equal(xml.statusCode, 415)

    for (const accept of ['application/json', 'application/problem+json', '*/*', 'application/*', 'text/html, application/json;q=0.5']) {
      t.equal((await app.inject({ method: 'GET', url: '/api/products', headers: { ...staff.headers, accept } })).statusCode, 200, accept)
    }
    // Not API operations: they answer in their own media types.
    t.equal((await app.inject({ method: 'GET', url: '/swagger/yaml', headers: { accept: 'application/yaml' } })).statusCode, 200)
    t.equal((await app.inject({ method: 'GET', url: '/metrics', headers: { accept: 'text/plain' } })).statusCode, 200)
  })

  t.test('the document declares the statuses an operation\'s shape can give', async (t) => {
    const doc = await openApiDocument(t)
    for (const { name, method, operation } of operations(doc)) {
      const responses = objectAt(operation, 'responses')
      const statuses = Object.keys(responses)
      const pathParams = Array.isArray(operation.parameters) && operation.parameters.some((parameter) => isObject(parameter) && parameter.in === 'path')
      // Fastify reads a body on every method but GET, whether or not the operation takes one.
      const readsBody = method !== 'get'
      t.ok(statuses.includes('406'), `${name} declares 406`)
      t.ok('HEADERS_TOO_LARGE' in objectAt(objectAt(objectAt(objectAt(responses, '431'), 'content'), 'application/problem+json'), 'examples'), `${name} declares 431 HEADERS_TOO_LARGE`)
      t.equal(statuses.includes('414'), pathParams, `${name} declares 414 exactly when it has path parameters`)
      // 413 everywhere: Node's parser refuses oversized chunk extensions on any method, a GET's included.
      t.ok(statuses.includes('413'), `${name} declares 413`)
      t.equal(statuses.includes('415'), readsBody, `${name} declares 415 exactly when a body is read`)
    }
    const createOrder = objectAt(objectAt(objectAt(doc, 'paths'), '/api/orders'), 'post')
    t.ok('Retry-After' in objectAt(objectAt(objectAt(createOrder, 'responses'), '409'), 'headers'), 'the 409 of an idempotent operation declares Retry-After (IDEMPOTENCY_KEY_IN_USE)')
    const transition = objectAt(objectAt(objectAt(doc, 'paths'), '/api/orders/{id}/transitions'), 'post')
    t.ok('413' in objectAt(transition, 'responses'), 'the order transition takes a body, so it declares 413')
  })
})
