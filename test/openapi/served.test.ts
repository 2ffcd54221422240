import { suite } from '../helpers/suite.js'
import YAML from 'yaml'
import { ConfigError, loadConfig } from '../../lib/config.js'
import { YAML_1_1_TIMESTAMP } from '../../lib/openapi/yaml.js'
import { buildTestApp } from '../helpers/app.js'
import { createUser } from '../helpers/users.js'
import { createProduct } from '../routes/products/fixtures/products.js'
import { declaredContract } from '../helpers/declared.js'
import { SECURITY_HEADERS } from '../../lib/security-headers.js'
import { isObject, objectAt, operations, type Json, type JsonObject } from './document.js'

interface ProblemTypeEntry { type: string, code: string, status: number, title: string, description: string }

export default suite(import.meta, (t) => {
  t.test('/swagger/yaml has no anchors or aliases and loads like the JSON in YAML 1.1 and 1.2', async (t) => {
    const app = await buildTestApp(t)
    const json: unknown = (await app.inject({ method: 'GET', url: '/swagger/json' })).json()
    const res = await app.inject({ method: 'GET', url: '/swagger/yaml' })
    t.equal(res.statusCode, 200)
    t.match(res.headers['content-type'], /^application\/yaml(;|$)/, 'application/yaml (RFC 9512)')

    const doc = YAML.parseDocument(res.body)
    t.same(doc.errors, [], 'parses without errors')
    let aliases = 0
    let anchors = 0
    const plainTimestamps: string[] = []
    YAML.visit(doc, {
      Alias () { aliases++ },
      Node (_key, node) { if (node.anchor !== undefined) anchors++ },
      Scalar (_key, node) {
        if (typeof node.value === 'string' && node.type === 'PLAIN' && YAML_1_1_TIMESTAMP.test(node.value)) plainTimestamps.push(node.value)
      }
    })
    t.equal(aliases, 0, 'no aliases')
    t.equal(anchors, 0, 'no anchors')
    t.same(plainTimestamps, [], 'no unquoted timestamp-like string (YAML 1.1 loaders such as PyYAML read those as dates)')
    t.match(res.body, /"2026-11-24T10:00:00\.000Z"/, 'timestamp examples are quoted')
    // Default limits (maxAliasCount 100); yes/no/on/off and numbers-as-strings stay strings.
    t.strictSame(YAML.parse(res.body), json, 'YAML 1.2 (default) reads the same data as the JSON')
    t.strictSame(YAML.parse(res.body, { version: '1.1' }), json, 'YAML 1.1 reads the same data as the JSON')
  })

  t.test('every problem type URI resolves to what its code means', async (t) => {
    const app = await buildTestApp(t)
    const unknown = await app.inject({ method: 'GET', url: '/problems/no-such-problem' })
    t.equal(unknown.statusCode, 404)
    t.equal(unknown.json().code, 'NOT_FOUND')
    t.equal((await app.inject({ method: 'GET', url: '/problems/NOT_A_SLUG' })).statusCode, 400, 'a slug is kebab case')

    const list = await app.inject({ method: 'GET', url: '/problems' })
    t.equal(list.statusCode, 200)
    const entries: ProblemTypeEntry[] = list.json().data
    t.ok(entries.length >= 40, `the registry lists the codes (${entries.length})`)
    t.equal(new Set(entries.map((e) => e.code)).size, entries.length, 'one entry per code')
    for (const entry of entries) {
      const res = await app.inject({ method: 'GET', url: entry.type })
      t.equal(res.statusCode, 200, `${entry.type} resolves`)
      t.same(res.json(), entry, `${entry.type} explains ${entry.code}`)
      t.ok(entry.description.length > 10 && entry.status >= 400, `${entry.code} has a description and an error status`)
    }

    // A real problem's type URI resolves to its code.
    const problem = (await app.inject({ method: 'GET', url: '/api/products' })).json()
    t.equal(problem.code, 'TOKEN_MISSING')
    const explained = await app.inject({ method: 'GET', url: problem.type })
    t.match(explained.json(), { code: 'TOKEN_MISSING', status: 401 })
  })

  t.test('every response of every operation declares the headers any response carries, as references to components.headers with the values sent', async (t) => {
    const app = await buildTestApp(t, { env: { CORS_ORIGINS: 'https://shop.example.com' } })
    const doc: JsonObject = (await app.inject({ method: 'GET', url: '/swagger/json' })).json()
    const components = objectAt(objectAt(doc, 'components'), 'headers')
    // What the wire carries: a compressible response (Vary: Origin, accept-encoding) to an allowed Origin.
    const sent = await app.inject({ method: 'GET', url: '/help', headers: { origin: 'https://shop.example.com', 'accept-encoding': 'identity' } })
    t.equal(sent.headers['access-control-allow-origin'], 'https://shop.example.com', 'an allowed Origin is echoed')
    const wire: Record<string, string> = {
      ...Object.fromEntries(SECURITY_HEADERS),
      vary: String(sent.headers.vary),
      'access-control-allow-origin': String(sent.headers['access-control-allow-origin']),
      'access-control-expose-headers': String(sent.headers['access-control-expose-headers'])
    }
    t.equal(wire.vary, 'Origin, accept-encoding')
    for (const [name, value] of Object.entries(wire)) t.equal(sent.headers[name], value, `${name} is sent`)

    const shared = ['X-Request-Id', 'Vary', 'Access-Control-Allow-Origin', 'Access-Control-Expose-Headers']
    const byLowerName = new Map(Object.keys(components).map((name) => [name.toLowerCase(), name]))
    const expected = [...shared, ...SECURITY_HEADERS.map(([lower]) => byLowerName.get(lower) ?? lower)]
    t.equal(expected.length, 16, 'X-Request-Id, 12 security headers, Vary and 2 CORS headers')
    const conditional = ['RateLimit-Limit', 'RateLimit-Remaining', 'RateLimit-Reset', 'Retry-After', 'Content-Encoding', 'WWW-Authenticate', 'Accept-Encoding']
    t.same(Object.keys(components).sort(), [...expected, ...conditional].sort(), 'components.headers has each of them, and the headers of some responses')
    for (const name of expected) {
      const header = objectAt(components, name)
      const schema = objectAt(header, 'schema')
      t.ok(typeof header.description === 'string' && header.description.length > 20, `${name} is described`)
      t.equal(schema.type, 'string', `${name} is a string`)
      t.ok(typeof schema.maxLength === 'number', `${name} has a maxLength`)
      const value = wire[name.toLowerCase()]
      if (value === undefined) continue
      t.same(schema.examples, [value], `${name}'s example is the value sent`)
      t.ok(value.length <= Number(schema.maxLength), `${name}: the value sent fits its maxLength`)
    }
    t.equal(wire['access-control-allow-credentials'], undefined, 'no credentials, so no Access-Control-Allow-Credentials to declare')

    const missing: string[] = []
    let responses = 0
    for (const { name, operation } of operations(doc)) {
      for (const [status, response] of Object.entries(objectAt(operation, 'responses'))) {
        responses++
        const headers = objectAt(response, 'headers')
        for (const header of expected) {
          const declared: Json | undefined = headers[header]
          if (!isObject(declared) || declared.$ref !== `#/components/headers/${header}`) missing.push(`${name} ${status}: ${header}`)
        }
        if (status === '304') {
          for (const body of ['content-type', 'content-length', 'content-encoding']) {
            if (Object.keys(headers).some((h) => h.toLowerCase() === body)) missing.push(`${name} 304 declares ${body}`)
          }
        }
      }
    }
    t.ok(responses > 300, `${responses} responses checked`)
    t.same(missing, [], 'each references every shared header; no 304 declares a body header')

    // The audit the e2e and hostile suites use now holds these headers to the document.
    const contract = declaredContract(doc)
    const answer = { method: 'GET', pathname: '/help', status: 200, headers: Object.keys(sent.headers) }
    t.same(contract.undeclared(answer), [], 'everything GET /help sent is declared')
    const bare = declaredContract({ paths: { '/help': { get: { responses: { 200: { headers: {} } } } } } })
    t.same(bare.undeclared(answer).sort(), Object.keys(sent.headers).filter((h) => !['content-type', 'content-length', 'date', 'connection', 'keep-alive', 'transfer-encoding'].includes(h)).map((h) => `GET /help 200: header ${h}`).sort(),
      'a security, Vary or CORS header a response does not declare is reported')
  })

  t.test('every operation declares what the layer below the router answers to any request', async (t) => {
    const app = await buildTestApp(t)
    const doc: JsonObject = (await app.inject({ method: 'GET', url: '/swagger/json' })).json()
    const everywhere: Record<string, string[]> = {
      400: ['MALFORMED_REQUEST', 'BAD_REQUEST', 'INVALID_URL'],
      408: ['REQUEST_TIMEOUT'],
      413: ['PAYLOAD_TOO_LARGE'],
      417: ['EXPECTATION_FAILED'],
      431: ['HEADERS_TOO_LARGE']
    }
    const missing: string[] = []
    for (const { name, operation } of operations(doc)) {
      for (const [status, codes] of Object.entries(everywhere)) {
        const examples = objectAt(objectAt(objectAt(objectAt(objectAt(operation, 'responses'), status), 'content'), 'application/problem+json'), 'examples')
        for (const code of codes) if (!(code in examples)) missing.push(`${name} ${status} ${code}`)
      }
    }
    t.same(missing, [], 'every operation declares them')
  })

  t.test('HEAD answers each GET route as GET does, without the body (RFC 9110 §9.3.2), and stays out of the document', async (t) => {
    const app = await buildTestApp(t)
    const staff = await createUser(app, 'staff')
    const product = await createProduct(app, staff)
    const url = `/api/products/${product.id}`
    const get = await app.inject({ method: 'GET', url, headers: staff.headers })
    const head = await app.inject({ method: 'HEAD', url, headers: staff.headers })
    t.equal(head.statusCode, 200)
    t.equal(head.body, '', 'no body')
    for (const name of ['etag', 'content-type', 'cache-control', 'vary', 'x-content-type-options']) t.equal(head.headers[name], get.headers[name], `${name} as GET sends it`)
    t.equal(head.headers['content-length'], String(Buffer.byteLength(get.body)), 'Content-Length of the body GET sends')
    const notModified = await app.inject({ method: 'HEAD', url, headers: { ...staff.headers, 'if-none-match': product.etag } })
    t.equal(notModified.statusCode, 304, 'If-None-Match holds for HEAD')
    const missing = await app.inject({ method: 'HEAD', url: '/api/products/00000000-0000-4000-8000-000000000000', headers: staff.headers })
    t.equal(missing.statusCode, 404, 'a missing resource is a 404 to HEAD too')
    t.equal(missing.body, '')
    t.equal((await app.inject({ method: 'HEAD', url: '/api/products' })).statusCode, 401, 'HEAD is authenticated as GET is')

    for (const path of ['/health/live', '/swagger/json']) t.equal((await app.inject({ method: 'HEAD', url: path })).statusCode, 200, `HEAD ${path}`)
    const postOnly = await app.inject({ method: 'HEAD', url: '/login' })
    t.equal(postOnly.statusCode, 405, 'no HEAD where there is no GET')
    t.equal(postOnly.headers.allow, 'POST')
    t.equal((await app.inject({ method: 'DELETE', url: '/health/live' })).headers.allow, 'GET, HEAD', 'Allow offers HEAD beside GET')

    const doc = (await app.inject({ method: 'GET', url: '/swagger/json' })).json()
    t.same(operations(doc).filter((op) => op.method === 'head').map((op) => op.name), [], 'HEAD is implied by GET, so SDKs get no second operation')
  })

  t.test('every GET operation of the document answers HEAD with GET\'s status and header fields', async (t) => {
    const app = await buildTestApp(t)
    const admin = await createUser(app, 'admin')
    const product = await createProduct(app, admin)
    const doc = (await app.inject({ method: 'GET', url: '/swagger/json' })).json()
    const gets = operations(doc).filter((op) => op.method === 'get')
    t.ok(gets.length >= 20, `${gets.length} GET operations`)
    // Framing fields differ by design: a HEAD has no body to frame (RFC 9110 §9.3.2).
    const fieldsOf = (headers: Record<string, unknown>): string[] => Object.keys(headers).filter((name) => !['content-length', 'transfer-encoding', 'date'].includes(name)).sort()
    for (const { name, path } of gets) {
      const url = path.replace('/api/products/{id}', `/api/products/${product.id}`).replace(/\{id\}/g, '00000000-0000-4000-8000-000000000000').replace('{slug}', 'not-found')
      for (const coding of ['identity', 'gzip']) {
        const headers = { ...admin.headers, 'accept-encoding': coding }
        const get = await app.inject({ method: 'GET', url, headers })
        const head = await app.inject({ method: 'HEAD', url, headers })
        const what = `${name} (${coding})`
        t.equal(head.statusCode, get.statusCode, `${what}: ${get.statusCode}`)
        t.same(fieldsOf(head.headers), fieldsOf(get.headers), `${what}: the same header fields`)
        for (const field of ['etag', 'content-encoding', 'vary']) t.equal(head.headers[field], get.headers[field], `${what}: ${field} as GET's`)
        // Bodies that change from call to call (readiness latency, a feed cursor's horizon) have no one length to compare.
        const again = await app.inject({ method: 'GET', url, headers })
        if (get.headers['content-length'] !== undefined && again.rawPayload.equals(get.rawPayload)) t.equal(head.headers['content-length'], String(get.rawPayload.length), `${what}: the Content-Length of GET's body`)
        t.equal(head.body, '', `${what}: no body`)
      }
    }
    t.ok(gets.length > 0)
  })

  t.test('servers follows PUBLIC_URL, which is validated', async (t) => {
    const app = await buildTestApp(t, { env: { PUBLIC_URL: 'https://shop.example.com/v1' } })
    const doc = (await app.inject({ method: 'GET', url: '/swagger/json' })).json()
    t.match(doc.servers, [{ url: 'https://shop.example.com/v1' }])
    t.match(doc.paths, { '/api/products': {} }, 'paths are unchanged by a base path')

    t.equal(loadConfig({ PUBLIC_URL: '/' }).publicUrl, '/')
    t.equal(loadConfig({}).publicUrl, '/', 'default: relative to the server that serves the document')
    for (const bad of ['shop.example.com', 'ftp://shop.example.com', 'https://shop.example.com/?a=1', 'https://']) {
      t.throws(() => loadConfig({ PUBLIC_URL: bad }), ConfigError, `PUBLIC_URL=${bad} is rejected`)
    }
  })
})
