import { suite } from '../helpers/suite.js'
import { BODY_LIMIT_BYTES } from '../../app.js'
import { AUTH_BODY_LIMIT_BYTES } from '../../routes/auth/index.js'
import { BATCH_BODY_LIMIT_BYTES } from '../../routes/products/index.js'
import { buildTestApp } from '../helpers/app.js'
import { dbFingerprint } from '../helpers/db-fingerprint.js'
import { contractViolation } from '../helpers/hostile.js'
import { fillPath, listOperations } from '../helpers/openapi.js'
import { createUser } from '../helpers/users.js'

const JSON_TYPE = { 'content-type': 'application/json' }
const SAMPLE_ID = '3f1c9b2e-6a4d-4e8b-9c1a-2b7d5e8f0a13'

export default suite(import.meta, (t) => {
  t.test('bodies over their limit (1 MiB; 8 MiB for a batch) -> 413 problem on every operation that takes a body; nothing written', async (t) => {
    const app = await buildTestApp(t)
    const admin = await createUser(app, 'admin')
    const bodyOps = (await listOperations(app)).filter((op) => op.hasBody)
    t.ok(bodyOps.length >= 10, `${bodyOps.length} operations take a body`)
    const before = await dbFingerprint(app.db)
    const limitOf = (path: string): number => path === '/api/products/batch' ? BATCH_BODY_LIMIT_BYTES : BODY_LIMIT_BYTES
    for (const op of bodyOps) {
      const oversized = JSON.stringify({ name: 'x'.repeat(limitOf(op.path)) })
      const justUnder = JSON.stringify({ name: 'x'.repeat(limitOf(op.path) - 100) })
      for (const headers of [{ ...JSON_TYPE, ...admin.headers }, JSON_TYPE]) {
        const res = await app.inject({ method: op.method, url: fillPath(op.path, SAMPLE_ID), headers, payload: oversized })
        t.equal(contractViolation(res), null)
        if (op.secured && !('authorization' in headers)) {
        // The token is checked onRequest: a request that will be refused is not read at all.
          t.equal(res.statusCode, 401, `${op.method} ${op.path} without a token: 401 before the body is read`)
          continue
        }
        t.equal(res.statusCode, 413, `${op.method} ${op.path}: 413`)
        t.equal(res.json().code, 'PAYLOAD_TOO_LARGE')
      }
      // Public auth routes have their own small limit (AUTH_BODY_LIMIT_BYTES).
      const underPayload = op.secured ? justUnder : JSON.stringify({ name: 'x'.repeat(AUTH_BODY_LIMIT_BYTES - 100) })
      const under = await app.inject({ method: op.method, url: fillPath(op.path, SAMPLE_ID), headers: { ...JSON_TYPE, ...admin.headers }, payload: underPayload })
      t.not(under.statusCode, 413, `${op.method} ${op.path}: just under the limit is read (and judged on content)`)
      t.equal(contractViolation(under), null)
    }
    t.equal(await dbFingerprint(app.db), before, 'nothing was written')
  })

  t.test('deeply nested JSON (10k levels everywhere, 100k on a few) -> 400 problem, the process keeps serving', async (t) => {
    const app = await buildTestApp(t)
    const admin = await createUser(app, 'admin')
    const bodyOps = (await listOperations(app)).filter((op) => op.hasBody)
    const before = await dbFingerprint(app.db)
    const bodies = (depth: number): Array<[string, string]> =>
      [['arrays', '['.repeat(depth) + ']'.repeat(depth)], ['objects', '{"a":'.repeat(depth) + '1' + '}'.repeat(depth)]]
    // 100k nested objects are 600 KB: under the body limit, so the parser and validator really see them.
    const cases = [
      ...bodyOps.map((op) => ({ op, depth: 10_000 })),
      ...bodyOps.filter((op) => ['/register', '/api/products', '/api/orders'].includes(op.path)).map((op) => ({ op, depth: 100_000 }))
    ]
    t.ok(cases.length > bodyOps.length, 'the 100k-level cases found their operations')
    for (const { op, depth } of cases) {
      for (const [shape, payload] of bodies(depth)) {
        const res = await app.inject({ method: op.method, url: fillPath(op.path, SAMPLE_ID), headers: { ...JSON_TYPE, ...admin.headers }, payload })
        // Public auth routes refuse these bodies by size (over AUTH_BODY_LIMIT_BYTES) before parsing.
        const expected = op.secured ? 400 : 413
        t.equal(res.statusCode, expected, `${op.method} ${op.path}: ${depth} nested ${shape} -> ${expected}`)
        t.equal(contractViolation(res), null)
      }
    }
    t.equal(await dbFingerprint(app.db), before, 'nothing was written')
    t.equal((await app.inject({ method: 'GET', url: '/health/live' })).statusCode, 200, 'still alive')
  })

  t.test('prototype-pollution payloads are rejected and pollute nothing', async (t) => {
    const app = await buildTestApp(t)
    const admin = await createUser(app, 'admin')
    const bodyOps = (await listOperations(app)).filter((op) => op.hasBody)
    const payloads = [
      '{"__proto__":{"polluted":true}}',
      '{"constructor":{"prototype":{"polluted":true}}}',
      '{"sku":"P-1","name":"n","price_cents":1,"stock":1,"__proto__":{"role":"admin"}}',
      '{"items":[{"__proto__":{"polluted":true},"product_id":"3f1c9b2e-6a4d-4e8b-9c1a-2b7d5e8f0a13","quantity":1}]}'
    ]
    const before = await dbFingerprint(app.db)
    for (const op of bodyOps) {
      for (const payload of payloads) {
        const res = await app.inject({ method: op.method, url: fillPath(op.path, SAMPLE_ID), headers: { ...JSON_TYPE, ...admin.headers }, payload })
        t.equal(res.statusCode, 400, `${op.method} ${op.path}: rejected`)
        t.equal(contractViolation(res), null)
      }
    }
    const query = await app.inject({ method: 'GET', url: '/api/products?__proto__[polluted]=1&constructor[prototype][polluted]=1', headers: admin.headers })
    t.ok(query.statusCode === 200 || query.statusCode === 400, 'polluted query keys are ignored or rejected')
    t.equal(contractViolation(query), null)
    t.equal(Object.hasOwn(Object.prototype, 'polluted'), false, 'Object.prototype untouched')
    t.equal(Object.hasOwn(Object.prototype, 'role'), false)
    t.equal(await dbFingerprint(app.db), before, 'nothing was written')
  })

  t.test('wrong or missing content types -> 415 problem; malformed JSON -> 400 problem', async (t) => {
    const app = await buildTestApp(t)
    const admin = await createUser(app, 'admin')
    const bodyOps = (await listOperations(app)).filter((op) => op.hasBody)
    const before = await dbFingerprint(app.db)
    for (const op of bodyOps) {
      const url = fillPath(op.path, SAMPLE_ID)
      for (const type of ['text/plain', 'application/xml', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
        const res = await app.inject({ method: op.method, url, headers: { ...admin.headers, 'content-type': type }, payload: 'a=1' })
        t.equal(res.statusCode, 415, `${op.method} ${op.path} as ${type}: 415`)
        t.equal(contractViolation(res), null)
      }
      for (const payload of ['{', '{"a":}', "{'a':1}", 'nul']) {
        const res = await app.inject({ method: op.method, url, headers: { ...admin.headers, ...JSON_TYPE }, payload })
        t.equal(res.statusCode, 400, `${op.method} ${op.path}: malformed JSON ${payload} -> 400`)
        t.equal(res.json().code, 'MALFORMED_JSON')
      }
    }
    t.equal(await dbFingerprint(app.db), before, 'nothing was written')
  })

  t.test('malformed URLs and over-long path ids answer problem+json too', async (t) => {
    const app = await buildTestApp(t)
    const admin = await createUser(app, 'admin')
    for (const url of ['/api/products/%zz', '/api/products/%', `/api/products/${'a'.repeat(300)}`, `/api/orders/${'9'.repeat(1000)}/transitions`]) {
      const res = await app.inject({ method: 'GET', url, headers: admin.headers })
      t.ok(res.statusCode >= 400 && res.statusCode < 500, `${url.slice(0, 40)}: ${res.statusCode}`)
      t.equal(contractViolation(res), null, `${url.slice(0, 40)}: problem+json`)
    }
  })

  t.test('strings Postgres cannot store (NUL bytes) -> 400 problem, never 500', async (t) => {
    const app = await buildTestApp(t)
    const admin = await createUser(app, 'admin')
    const before = await dbFingerprint(app.db)
    const cases = [
      { method: 'POST' as const, url: '/api/products', payload: { sku: 'NUL-1', name: 'nul\u0000byte', price_cents: 1, stock: 1 } },
      { method: 'POST' as const, url: '/api/products', payload: { sku: 'NUL-2', name: 'fine', description: '\u0000', price_cents: 1, stock: 1 } },
      { method: 'POST' as const, url: '/api/customers', payload: { first_name: 'a\u0000', last_name: 'b', email: 'nul@example.com' } },
      { method: 'POST' as const, url: '/register', payload: { email: 'nul\u0000@example.com', password: 'long enough password' } },
      { method: 'GET' as const, url: '/api/products?q=a%00b' },
      { method: 'GET' as const, url: '/api/customers?q=%00' }
    ]
    for (const c of cases) {
      const res = await app.inject({ ...c, headers: admin.headers })
      t.ok(res.statusCode >= 400 && res.statusCode < 500, `${c.method} ${c.url}: ${res.statusCode}`)
      t.equal(contractViolation(res), null)
    }
    t.equal(await dbFingerprint(app.db), before, 'nothing was written')
  })
})
