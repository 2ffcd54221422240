import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import type { Test } from 'tap'
import { suite } from '../helpers/suite.js'
import { BODY_LIMIT_BYTES } from '../../app.js'
import { MAX_VALIDATION_ERRORS } from '../../lib/validator-compiler.js'
import { MAX_ORDER_LINES } from '../../schemas/orders.js'
import { buildTestApp } from '../helpers/app.js'
import { dbFingerprint } from '../helpers/db-fingerprint.js'
import { contractViolation } from '../helpers/hostile.js'
import { createUser } from '../helpers/users.js'

const JSON_TYPE = { 'content-type': 'application/json' }
/**
 * Only a bound that detects a hang (the quadratic error collection took 4.7 s for 24,000 items
 * and minutes for 1 MiB); how fast these are answered is measured in scripts/bench-hostile.ts.
 */
const HANG_MS = 30_000

/** `{ ...fields, [key]: [0, 0, ...] }` with as many zeros as fit in `bytes`. */
function zerosBody (fields: Record<string, unknown>, key: string, bytes: number): { payload: string, items: number } {
  const head = JSON.stringify({ ...fields, [key]: [] })
  const items = Math.floor((bytes - head.length) / 2)
  return { payload: `${head.slice(0, -2)}${new Array(items).fill('0').join(',')}]}`, items }
}

async function send (t: Test, app: FastifyInstance, method: 'POST' | 'PATCH', url: string, headers: Record<string, string>, payload: string): Promise<LightMyRequestResponse> {
  const res = await app.inject({ method, url, headers: { ...JSON_TYPE, ...headers }, payload })
  t.equal(contractViolation(res), null, 'problem+json')
  return res
}

function assertCappedValidation (t: Test, res: LightMyRequestResponse, pointer: string): void {
  t.equal(res.statusCode, 400, res.body.slice(0, 300))
  const body = res.json()
  t.equal(body.code, 'VALIDATION_FAILED')
  t.ok(Array.isArray(body.errors) && body.errors.length >= 1 && body.errors.length <= MAX_VALIDATION_ERRORS, `1..${MAX_VALIDATION_ERRORS} errors (${body.errors?.length})`)
  t.ok(body.errors.some((e: { pointer: string }) => e.pointer === pointer || e.pointer.startsWith(`${pointer}/`)), `an error points into ${pointer}`)
}

export default suite(import.meta, (t) => {
  t.test('webhook events arrays of 24,000 and ~500,000 items: a quick 400 or 403 for a customer, a capped 400 for an admin; nothing written', { timeout: HANG_MS * 8 }, async (t) => {
    const app = await buildTestApp(t)
    const admin = await createUser(app, 'admin')
    const customer = await createUser(app, 'customer')
    const created = await app.inject({ method: 'POST', url: '/api/webhooks', headers: { ...JSON_TYPE, ...admin.headers }, payload: { url: 'https://erp.example.com/hooks', events: ['order.created'] } })
    t.equal(created.statusCode, 201)
    const endpoint = `/api/webhooks/${String(created.json().id)}`
    const before = await dbFingerprint(app.db)
    const fields = { url: 'https://erp.example.com/hooks' }
    const bodies = [zerosBody(fields, 'events', 48 * 1024), zerosBody(fields, 'events', BODY_LIMIT_BYTES - 64)]
    const cases: Array<[string, string]> = [
      ...bodies.map((b): [string, string] => [`${b.items} zeros`, b.payload]),
      ['24,000 x "order.created"', JSON.stringify({ ...fields, events: new Array(24_000).fill('order.created') })]
    ]
    for (const [method, url] of [['POST', '/api/webhooks'], ['PATCH', endpoint]] as const) {
      for (const [name, payload] of cases) {
        const refused = await send(t, app, method, url, customer.headers, payload)
        t.ok([400, 403].includes(refused.statusCode), `${method} ${name} as a customer: ${refused.statusCode}`)
        if (refused.statusCode === 400) t.ok(refused.json().errors.length <= MAX_VALIDATION_ERRORS, 'capped errors')
        assertCappedValidation(t, await send(t, app, method, url, admin.headers, payload), '/events')
      }
    }
    t.equal(await dbFingerprint(app.db), before, 'nothing was written')
  })

  t.test('a repeated event type is a 400 naming the repeat, on create and update', async (t) => {
    const app = await buildTestApp(t)
    const admin = await createUser(app, 'admin')
    const events = ['order.created', 'product.out_of_stock', 'order.created']
    const create = await send(t, app, 'POST', '/api/webhooks', admin.headers, JSON.stringify({ url: 'https://erp.example.com/hooks', events }))
    t.equal(create.statusCode, 400)
    t.match(create.json(), { code: 'VALIDATION_FAILED', errors: [{ pointer: '/events/2', in: 'body' }] })
    const created = await send(t, app, 'POST', '/api/webhooks', admin.headers, JSON.stringify({ url: 'https://erp.example.com/hooks', events: events.slice(0, 2) }))
    t.equal(created.statusCode, 201)
    const update = await send(t, app, 'PATCH', `/api/webhooks/${String(created.json().id)}`, admin.headers, JSON.stringify({ events: ['order.status_changed', 'order.status_changed'] }))
    t.equal(update.statusCode, 400)
    t.match(update.json(), { code: 'VALIDATION_FAILED', errors: [{ pointer: '/events/1' }] })
    const fetched = await app.inject({ method: 'GET', url: `/api/webhooks/${String(created.json().id)}`, headers: admin.headers })
    t.same(fetched.json().events, events.slice(0, 2), 'the endpoint is unchanged')
  })

  t.test('POST /api/orders with 500,000 zeros in items (1 MiB) from a customer: 400 with at most 10 errors; nothing written', { timeout: HANG_MS * 4 }, async (t) => {
    const app = await buildTestApp(t)
    const customer = await createUser(app, 'customer')
    const staff = await createUser(app, 'staff')
    const before = await dbFingerprint(app.db)
    const { payload, items } = zerosBody({}, 'items', BODY_LIMIT_BYTES - 64)
    t.ok(items >= 500_000, `${items} items`)
    for (const user of [customer, staff, customer]) {
      const res = await send(t, app, 'POST', '/api/orders', user.headers, payload)
      assertCappedValidation(t, res, '/items')
    }
    // Well-formed lines, one too many: the bound itself is what the client is told.
    const lines = new Array(MAX_ORDER_LINES + 1).fill({ product_id: '3f1c9b2e-6a4d-4e8b-9c1a-2b7d5e8f0a13', quantity: 1 })
    const tooMany = await send(t, app, 'POST', '/api/orders', customer.headers, JSON.stringify({ items: lines }))
    assertCappedValidation(t, tooMany, '/items')
    t.match(tooMany.json().errors, [{ pointer: '/items', detail: new RegExp(String(MAX_ORDER_LINES)) }])
    t.equal(await dbFingerprint(app.db), before, 'nothing was written')
  })
})
