/**
 * Smoke: one virtual user walks every public contract once (health, auth round trip,
 * catalog, an order with an idempotent replay, the error shapes). Run it after each
 * deploy: `k6 run -e BASE_URL=http://goshop:8080 -e ADMIN_EMAIL=... -e ADMIN_PASSWORD=... tests/load/smoke.ts`.
 * Without ADMIN_* it uses whatever in-stock product the catalog already has.
 */
import { check, group } from 'k6'
import http from 'k6/http'
import type { Options } from 'k6/options'
import { adminToken, createProduct, getProduct, listProducts, params, placeOrder, productsInStock, registerCustomer } from './lib/api.ts'
import { expectCommonHeaders, expectProblem, expectStatus } from './lib/checks.ts'
import { BASE_URL, CUSTOMER_PASSWORD, RUN_ID, hasAdmin } from './lib/config.ts'
import { arrayField, bodyObject, isObject, numberField, stringField } from './lib/json.ts'
import { thresholds } from './lib/thresholds.ts'

export const options: Options = {
  vus: 1,
  iterations: 1,
  thresholds: { ...thresholds({ p95Ms: 500, p99Ms: 1000, maxFailedRate: 0.01 }), checks: ['rate==1'] }
}

interface SetupData { productId: string | null }

export function setup (): SetupData {
  if (hasAdmin()) {
    return { productId: createProduct(adminToken(), { name: `Smoke product ${RUN_ID}`, price_cents: 1999, stock: 1000 }) }
  }
  const customer = registerCustomer('smoke-setup')
  return { productId: productsInStock(customer.accessToken, 2)[0] ?? null }
}

export default function smoke (data: SetupData): void {
  group('operations', () => {
    const live = http.get(`${BASE_URL}/health/live`, params(undefined, { tags: { name: 'GET /health/live' } }))
    expectStatus(live, 200, 'live')
    expectCommonHeaders(live, 'live')
    expectStatus(http.get(`${BASE_URL}/health/ready`), 200, 'ready')
    expectStatus(http.get(`${BASE_URL}/help`), 200, 'help')
    const doc = http.get(`${BASE_URL}/swagger/json`)
    check(doc, { 'openapi: 3.1 document': (r) => stringField(bodyObject(r), 'openapi')?.startsWith('3.1') === true })
  })

  const customer = registerCustomer('smoke')

  group('auth', () => {
    const me = http.get(`${BASE_URL}/auth/me`, params(customer.accessToken, { tags: { name: 'GET /auth/me' } }))
    expectStatus(me, 200, 'me')
    check(me, { 'me: own email': (r) => stringField(bodyObject(r), 'email') === customer.email })

    const login = http.post(`${BASE_URL}/login`, JSON.stringify({ email: customer.email, password: CUSTOMER_PASSWORD }), params())
    const refreshToken = stringField(bodyObject(login), 'refresh_token') ?? ''
    const refreshed = http.post(`${BASE_URL}/auth/refresh`, JSON.stringify({ refresh_token: refreshToken }), params())
    expectStatus(refreshed, 200, 'refresh')
    const rotated = stringField(bodyObject(refreshed), 'refresh_token') ?? ''
    expectStatus(http.post(`${BASE_URL}/auth/logout`, JSON.stringify({ refresh_token: rotated }), params()), 204, 'logout')

    const wrong = http.post(`${BASE_URL}/login`, JSON.stringify({ email: customer.email, password: 'not-the-password' }), params(undefined, { expected: [401] }))
    expectProblem(wrong, 401, 'INVALID_CREDENTIALS', 'wrong password')
  })

  group('catalog', () => {
    expectStatus(listProducts(customer.accessToken), 200, 'list products')
    if (data.productId !== null) expectStatus(getProduct(customer.accessToken, data.productId), 200, 'get product')
    const unknown = http.get(`${BASE_URL}/api/products/00000000-0000-4000-8000-000000000000`, params(customer.accessToken, { expected: [404] }))
    expectProblem(unknown, 404, 'PRODUCT_NOT_FOUND', 'unknown product')
    const notUuid = http.get(`${BASE_URL}/api/products/not-a-uuid`, params(customer.accessToken, { expected: [400] }))
    expectProblem(notUuid, 400, 'VALIDATION_FAILED', 'non-uuid id')
    const anonymous = http.get(`${BASE_URL}/api/products`, params(undefined, { expected: [401] }))
    expectProblem(anonymous, 401, 'TOKEN_MISSING', 'no token')
  })

  group('orders', () => {
    if (data.productId === null) return
    const key = `smoke-${RUN_ID}`
    const items = [{ product_id: data.productId, quantity: 2 }]
    const first = placeOrder(customer.accessToken, items, { idempotencyKey: key })
    expectStatus(first, 201, 'create order')
    const order = bodyObject(first)
    check(first, {
      'create order: Location': (r) => (r.headers.Location ?? '') !== '',
      'create order: total is the sum of quantity x unit price': () => {
        const lines = arrayField(order, 'items').filter(isObject)
        const sum = lines.reduce((acc, line) => acc + (numberField(line, 'quantity') ?? 0) * (numberField(line, 'unit_price_cents') ?? 0), 0)
        return lines.length === 1 && sum > 0 && numberField(order, 'total_cents') === sum
      }
    })
    const replay = placeOrder(customer.accessToken, items, { idempotencyKey: key })
    check(replay, {
      'replay: same order': (r) => stringField(bodyObject(r), 'id') === stringField(order, 'id'),
      'replay: Idempotent-Replayed': (r) => r.headers['Idempotent-Replayed'] === 'true'
    })
  })
}
