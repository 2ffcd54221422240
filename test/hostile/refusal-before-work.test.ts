import { suite } from '../helpers/suite.js'
import { BODY_LIMIT_BYTES } from '../../app.js'
import { buildTestApp } from '../helpers/app.js'
import { dbFingerprint } from '../helpers/db-fingerprint.js'
import { createUser } from '../helpers/users.js'

const JSON_TYPE = { 'content-type': 'application/json' }
const SAMPLE_ID = '3f1c9b2e-6a4d-4e8b-9c1a-2b7d5e8f0a13'

/** Every route a customer may not call at all (config.access), by method and path. */
const PRIVILEGED: Array<[string, string]> = [
  ['POST', '/api/webhooks'],
  ['GET', '/api/webhooks'],
  ['GET', `/api/webhooks/${SAMPLE_ID}`],
  ['PATCH', `/api/webhooks/${SAMPLE_ID}`],
  ['DELETE', `/api/webhooks/${SAMPLE_ID}`],
  ['POST', `/api/webhooks/${SAMPLE_ID}/rotate-secret`],
  ['GET', `/api/webhooks/${SAMPLE_ID}/deliveries`],
  ['POST', `/api/webhooks/${SAMPLE_ID}/deliveries/${SAMPLE_ID}/retry`],
  ['PUT', `/api/users/${SAMPLE_ID}/role`],
  ['PUT', '/api/admin/log-level'],
  ['POST', '/api/products'],
  ['PUT', `/api/products/${SAMPLE_ID}`],
  ['PATCH', `/api/products/${SAMPLE_ID}`],
  ['DELETE', `/api/products/${SAMPLE_ID}`],
  ['POST', '/api/customers'],
  ['DELETE', `/api/customers/${SAMPLE_ID}`]
]

/** Each would be 413 (read) or 400 (parsed or validated) if the role were checked after the body. */
const UNREAD_BODIES: Array<[string, string]> = [
  ['over the 1 MiB body limit', JSON.stringify({ url: 'x'.repeat(BODY_LIMIT_BYTES) })],
  ['1 MiB of broken JSON', '{"events": [' + '"order.created",'.repeat(BODY_LIMIT_BYTES / 17)],
  // The body that froze the process when its uniqueItems check ran before the role check.
  ['24,000 webhook events', JSON.stringify({ url: 'https://hooks.example.com/x', events: Array.from({ length: 24_000 }, (_, i) => `order.created${i % 2 === 0 ? '' : ' '}`) })]
]

export default suite(import.meta, (t) => {
  t.test('a customer is refused (403) on staff and admin routes before its body is read, parsed or validated', async (t) => {
    const app = await buildTestApp(t)
    const customer = await createUser(app, 'customer')
    const before = await dbFingerprint(app.db)
    for (const [method, url] of PRIVILEGED) {
      const payloads = method === 'GET' || method === 'DELETE' ? [['no body', undefined]] : UNREAD_BODIES
      for (const [what, payload] of payloads) {
        const res = await app.inject({ method: method as 'GET', url, headers: { ...JSON_TYPE, ...customer.headers }, ...(payload !== undefined ? { payload } : {}) })
        t.equal(res.statusCode, 403, `${method} ${url}, ${what}: 403`)
        t.equal(res.json().code, 'FORBIDDEN')
        t.match(String(res.headers['content-type']), /^application\/problem\+json/)
      }
      // A path id that is not a UUID would be a 400 from validation: the role decides first.
      const badId = url.replace(SAMPLE_ID, 'not-a-uuid')
      if (badId !== url) {
        const res = await app.inject({ method: method as 'GET', url: badId, headers: customer.headers })
        t.equal(res.statusCode, 403, `${method} ${badId}: 403, not a validation error`)
      }
    }
    t.equal(await dbFingerprint(app.db), before, 'nothing was written')
  })

  t.test('control: staff and admins get the same bodies read and judged (413/400)', async (t) => {
    const app = await buildTestApp(t)
    const admin = await createUser(app, 'admin')
    // (Not the 24,000 events: an admin's body is validated, and what that costs is the schema's business.)
    for (const [what, payload] of UNREAD_BODIES.slice(0, 2)) {
      const res = await app.inject({ method: 'POST', url: '/api/webhooks', headers: { ...JSON_TYPE, ...admin.headers }, payload })
      t.ok(res.statusCode === 413 || res.statusCode === 400, `${what}: ${res.statusCode}`)
    }
    const staff = await createUser(app, 'staff')
    const res = await app.inject({ method: 'POST', url: '/api/products', headers: { ...JSON_TYPE, ...staff.headers }, payload: UNREAD_BODIES[1]?.[1] })
    t.equal(res.statusCode, 400, 'staff on a staff route: the broken JSON is parsed (400)')
  })

  t.test('an over-limit client\'s 1 MB POST to an unknown route gets 429 before its body is parsed', async (t) => {
    const app = await buildTestApp(t, { env: { RATE_LIMIT_MAX: '3' } })
    const brokenJson = '{"a": [' + '1,'.repeat(BODY_LIMIT_BYTES / 2 - 8)
    const oversized = JSON.stringify({ a: 'x'.repeat(BODY_LIMIT_BYTES) })
    // Within the budget the 404 route reads and parses a body like any route: these are the answers
    // an over-limit client would get if its body were still read.
    const parsed = await app.inject({ method: 'POST', url: '/nope', headers: JSON_TYPE, payload: brokenJson })
    t.equal(parsed.statusCode, 400, 'within the budget, broken JSON is parsed: 400')
    const read = await app.inject({ method: 'POST', url: '/nope', headers: JSON_TYPE, payload: oversized })
    t.equal(read.statusCode, 413, 'within the budget, an oversized body is read: 413')
    const last = await app.inject({ method: 'GET', url: '/nope' })
    t.equal(last.statusCode, 404, 'the last request of the budget: 404')
    for (const [what, payload] of [['broken JSON', brokenJson], ['over the body limit', oversized]]) {
      const res = await app.inject({ method: 'POST', url: '/nope', headers: JSON_TYPE, payload })
      t.equal(res.statusCode, 429, `over the budget, ${what}: 429, not judged`)
      t.equal(res.json().code, 'RATE_LIMITED')
      t.ok(res.headers['retry-after'], 'Retry-After')
    }
    const wrongMethod = await app.inject({ method: 'POST', url: '/health/live', headers: JSON_TYPE, payload: brokenJson })
    t.equal(wrongMethod.statusCode, 429, '405s spend the same budget, also before parsing')
  })

  t.test('the limit on unknown routes spends the budget once per request, and not on routed requests', async (t) => {
    const app = await buildTestApp(t, { env: { RATE_LIMIT_MAX: '4' } })
    const customer = await createUser(app, 'customer')
    const remaining = async (url: string): Promise<string> => String((await app.inject({ method: 'GET', url, headers: customer.headers })).headers['ratelimit-remaining'])
    t.equal(await remaining('/nope'), '3')
    t.equal(await remaining('/api/products'), '2')
    t.equal(await remaining('/nope/again'), '1')
  })
})
