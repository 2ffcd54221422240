import { randomUUID } from 'node:crypto'
import fc from 'fast-check'
import type { FastifyInstance } from 'fastify'
import { suite } from '../helpers/suite.js'
import { buildTestApp } from '../helpers/app.js'
import { dbFingerprint } from '../helpers/db-fingerprint.js'
import { contractViolation, hostileRequests, toInject } from '../helpers/hostile.js'
import { declaredContract } from '../helpers/declared.js'
import { listOperations } from '../helpers/openapi.js'
import { createUser } from '../helpers/users.js'

/** Runs per operation and caller; about 25 operations x 2 callers keeps the suite well under a minute. */
const RUNS = Number(process.env.HOSTILE_RUNS ?? 12)

/** Operations the contract (SPEC section 3) promises; the fuzz must really reach them. */
const EXPECTED = ['POST /register', 'POST /login', 'POST /auth/refresh', 'POST /auth/logout', 'GET /auth/me',
  'GET /api/products', 'POST /api/products', 'GET /api/products/{id}', 'PUT /api/products/{id}', 'PATCH /api/products/{id}', 'DELETE /api/products/{id}',
  'GET /api/customers', 'POST /api/customers', 'GET /api/customers/{id}', 'PUT /api/customers/{id}', 'PATCH /api/customers/{id}', 'DELETE /api/customers/{id}',
  'GET /api/orders', 'POST /api/orders', 'GET /api/orders/{id}', 'POST /api/orders/{id}/transitions']

async function seed (app: FastifyInstance): Promise<string[]> {
  const customer = await createUser(app, 'customer')
  const staff = await createUser(app, 'staff')
  const product = await app.db.insertInto('products')
    .values({ sku: `FUZZ-${randomUUID()}`, name: 'Fuzz target', price_cents: 500, stock: 10 })
    .returning(['id', 'sku', 'name'])
    .executeTakeFirstOrThrow()
  if (customer.customerId === null) throw new Error('customer without profile')
  const order = await app.db.insertInto('orders')
    .values({ customer_id: customer.customerId, status: 'pending', currency: 'EUR', total_cents: 500 })
    .returning('id')
    .executeTakeFirstOrThrow()
  await app.db.insertInto('order_items')
    .values({ order_id: order.id, product_id: product.id, sku: product.sku, name: product.name, quantity: 1, unit_price_cents: 500, subtotal_cents: 500 })
    .execute()
  return [customer.id, customer.customerId, staff.id, product.id, order.id]
}

export default suite(import.meta, (t) => {
  t.test('every operation in the OpenAPI document survives hostile input', async (t) => {
    const app = await buildTestApp(t)
    const admin = await createUser(app, 'admin')
    const realIds = [admin.id, ...(await seed(app))]
    const operations = await listOperations(app)
    const ids = new Set(operations.map((op) => `${op.method} ${op.path}`))
    t.same(EXPECTED.filter((id) => !ids.has(id)), [], 'the document lists every operation of the contract')

    // Every status, header and problem code a hostile request gets is declared for its operation.
    const contract = declaredContract((await app.inject({ method: 'GET', url: '/swagger/json' })).json())
    let requests = 0
    let rejected = 0
    let baseline = await dbFingerprint(app.db)
    for (const op of operations) {
      for (const [caller, authorization] of [['admin', admin.headers.authorization], ['anonymous', null]] as const) {
        await fc.assert(fc.asyncProperty(hostileRequests(op, realIds, authorization), async (req) => {
          const options = toInject(op, req)
          const res = await app.inject(options)
          requests++
          const violation = contractViolation(res)
          if (violation !== null) throw new Error(`${op.method} ${op.path} as ${caller}: ${violation}`)
          const code: unknown = res.statusCode >= 400 ? res.json().code : undefined
          const pathname = new URL(String(options.url), 'http://localhost').pathname
          const undeclared = contract.undeclared({ method: op.method, pathname, status: res.statusCode, headers: Object.keys(res.headers), code: typeof code === 'string' ? code : undefined })
          if (undeclared.length > 0) throw new Error(`${op.method} ${op.path} as ${caller}: not declared: ${undeclared.join('; ')}`)
          const after = await dbFingerprint(app.db)
          if (res.statusCode >= 400) {
            rejected++
            if (after !== baseline) throw new Error(`${op.method} ${op.path} as ${caller}: rejected with ${res.statusCode} but the database changed`)
          }
          baseline = after
        }), { numRuns: RUNS })
      }
      t.pass(`${op.method} ${op.path}: never 5xx, errors are problem+json with declared statuses, headers and codes, rejections write nothing`)
    }
    t.comment(`${requests} hostile requests over ${operations.length} operations, ${rejected} rejected`)
    // The prototype of plain objects is untouched by every __proto__/constructor payload above.
    t.equal(Object.hasOwn(Object.prototype, 'polluted'), false)
    t.equal((await app.inject({ method: 'GET', url: '/health/ready' })).statusCode, 200, 'and the service is still healthy')
  })
})
