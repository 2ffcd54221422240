import { fail, sleep } from 'k6'
import http, { type Params, type RefinedResponse, type ResponseType } from 'k6/http'
import { ADMIN_EMAIL, ADMIN_PASSWORD, BASE_URL, CUSTOMER_PASSWORD, RUN_ID, hasAdmin } from './config.ts'
import { arrayField, bodyObject, isObject, numberField, stringField } from './json.ts'

type Response = RefinedResponse<ResponseType | undefined>

export interface Session {
  email: string
  accessToken: string
  customerId: string | null
}

export interface OrderLine {
  product_id: string
  quantity: number
}

/** JSON request parameters: bearer token, extra headers and metric tags. */
export function params (token?: string, options: { headers?: Record<string, string>, tags?: Record<string, string>, expected?: number[] } = {}): Params {
  return {
    headers: {
      'Content-Type': 'application/json',
      ...(token !== undefined ? { Authorization: `Bearer ${token}` } : {}),
      ...options.headers
    },
    tags: options.tags ?? {},
    ...(options.expected !== undefined ? { responseCallback: http.expectedStatuses(...options.expected) } : {})
  }
}

/**
 * Auth routes have a strict per-client budget (RATE_LIMIT_AUTH_MAX). Setup code that
 * registers a pool of users waits out a 429 (Retry-After) instead of failing the run.
 */
function retryOn429 (send: () => Response, maxWaitSeconds = 180): Response {
  let waited = 0
  let res = send()
  while (res.status === 429 && waited < maxWaitSeconds) {
    const retryAfter = Math.max(1, Number(res.headers['Retry-After'] ?? '1') || 1)
    sleep(retryAfter)
    waited += retryAfter
    res = send()
  }
  return res
}

export function login (email: string, password: string): string {
  const res = retryOn429(() => http.post(`${BASE_URL}/login`, JSON.stringify({ email, password }), params(undefined, { tags: { name: 'POST /login' } })))
  const token = stringField(bodyObject(res), 'access_token')
  if (res.status !== 200 || token === undefined) fail(`login ${email} failed: ${res.status} ${String(res.body)}`)
  return token
}

/** Registers a fresh customer and logs it in. */
export function registerCustomer (label: string): Session {
  const email = `${label}-${RUN_ID}-${Math.floor(Math.random() * 1e9)}@load.example.com`
  const res = retryOn429(() => http.post(`${BASE_URL}/register`,
    JSON.stringify({ email, password: CUSTOMER_PASSWORD, first_name: 'Load', last_name: 'Test' }),
    params(undefined, { tags: { name: 'POST /register' } })))
  const body = bodyObject(res)
  if (res.status !== 201) fail(`register ${email} failed: ${res.status} ${String(res.body)}`)
  return { email, accessToken: login(email, CUSTOMER_PASSWORD), customerId: stringField(body, 'customer_id') ?? null }
}

export function registerCustomers (count: number, label: string): Session[] {
  return Array.from({ length: count }, (_, i) => registerCustomer(`${label}${i}`))
}

export function adminToken (): string {
  if (!hasAdmin()) fail('set ADMIN_EMAIL and ADMIN_PASSWORD (the server\'s bootstrap admin) to create products')
  return login(ADMIN_EMAIL, ADMIN_PASSWORD)
}

export function createProduct (token: string, fields: { name: string, price_cents: number, stock: number }): string {
  const sku = `LOAD-${RUN_ID}-${Math.floor(Math.random() * 1e9)}`.toUpperCase()
  const res = http.post(`${BASE_URL}/api/products`,
    JSON.stringify({ sku, description: 'Created by a k6 scenario', ...fields }),
    params(token, { tags: { name: 'POST /api/products' } }))
  const id = stringField(bodyObject(res), 'id')
  if (res.status !== 201 || id === undefined) fail(`create product failed: ${res.status} ${String(res.body)}`)
  return id
}

export function getProduct (token: string, id: string, tags: Record<string, string> = {}): Response {
  return http.get(`${BASE_URL}/api/products/${id}`, params(token, { tags: { name: 'GET /api/products/{id}', kind: 'read', ...tags } }))
}

export function listProducts (token: string, query = 'limit=20'): Response {
  return http.get(`${BASE_URL}/api/products?${query}`, params(token, { tags: { name: 'GET /api/products', kind: 'read' } }))
}

export function productStock (token: string, id: string): number | undefined {
  return numberField(bodyObject(getProduct(token, id, { kind: 'verify' })), 'stock')
}

/** Product ids from the first catalog page that have at least `minStock` units. */
export function productsInStock (token: string, minStock: number): string[] {
  const page = bodyObject(listProducts(token, 'limit=100&in_stock=true'))
  return arrayField(page, 'data')
    .filter(isObject)
    .filter((p) => (numberField(p, 'stock') ?? 0) >= minStock)
    .map((p) => stringField(p, 'id'))
    .filter((id): id is string => id !== undefined)
}

export function placeOrder (token: string, items: OrderLine[], options: { idempotencyKey?: string, expected?: number[] } = {}): Response {
  return http.post(`${BASE_URL}/api/orders`, JSON.stringify({ items }), params(token, {
    headers: options.idempotencyKey !== undefined ? { 'Idempotency-Key': options.idempotencyKey } : {},
    tags: { name: 'POST /api/orders', kind: 'write' },
    ...(options.expected !== undefined ? { expected: options.expected } : {})
  }))
}

/** Picks one element (VU/iteration driven so the spread is deterministic per run). */
export function pick<T> (items: T[], n: number): T {
  const item = items[n % items.length]
  if (item === undefined) fail('pick from an empty list')
  return item
}
