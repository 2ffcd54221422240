/**
 * Load: the expected busy-day mix (85% catalog browsing, 15% checkout) ramped to
 * LOAD_VUS virtual users and held. Needs ADMIN_EMAIL/ADMIN_PASSWORD (products are
 * created in setup) and a server whose RATE_LIMIT_MAX / RATE_LIMIT_AUTH_MAX allow the
 * traffic of one client address (all VUs share the k6 host's IP).
 */
import { sleep } from 'k6'
import type { Options } from 'k6/options'
import { adminToken, createProduct, getProduct, listProducts, pick, placeOrder, registerCustomers, type Session } from './lib/api.ts'
import { expectStatus } from './lib/checks.ts'
import { RUN_ID, envInt } from './lib/config.ts'
import { thresholds } from './lib/thresholds.ts'

const VUS = envInt('LOAD_VUS', 50)

export const options: Options = {
  setupTimeout: '5m',
  stages: [
    { duration: '1m', target: VUS },
    { duration: '3m', target: VUS },
    { duration: '30s', target: 0 }
  ],
  thresholds: thresholds({ p95Ms: 200, p99Ms: 500, maxFailedRate: 0.01 })
}

interface SetupData { productIds: string[], customers: Session[] }

export function setup (): SetupData {
  const token = adminToken()
  const productIds = Array.from({ length: envInt('LOAD_PRODUCTS', 20) }, (_, i) =>
    createProduct(token, { name: `Load product ${i} ${RUN_ID}`, price_cents: 500 + i * 100, stock: 1000000 }))
  return { productIds, customers: registerCustomers(envInt('LOAD_CUSTOMERS', 10), 'load') }
}

export default function load (data: SetupData): void {
  const customer = pick(data.customers, __VU)
  if (Math.random() < 0.85) {
    expectStatus(listProducts(customer.accessToken), 200, 'list products')
    expectStatus(getProduct(customer.accessToken, pick(data.productIds, __ITER + __VU)), 200, 'get product')
  } else {
    const items = [
      { product_id: pick(data.productIds, __ITER), quantity: 1 },
      { product_id: pick(data.productIds, __ITER + 7), quantity: 2 }
    ]
    expectStatus(placeOrder(customer.accessToken, items), 201, 'create order')
  }
  sleep(Math.random() * 0.5 + 0.1)
}
