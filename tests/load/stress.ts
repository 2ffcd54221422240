/**
 * Stress: an open model (arrival rate, not VUs) pushed well past the expected peak to
 * find where latency bends and to prove the service degrades with 429/503 problems
 * rather than crashes. Thresholds are looser than load's; the run aborts early when
 * more than 10% of requests fail. Same prerequisites as load.ts.
 */
import type { Options } from 'k6/options'
import { adminToken, createProduct, getProduct, listProducts, pick, placeOrder, registerCustomers, type Session } from './lib/api.ts'
import { expectStatus } from './lib/checks.ts'
import { RUN_ID, envInt } from './lib/config.ts'
import { thresholds } from './lib/thresholds.ts'

const PEAK = envInt('STRESS_PEAK_RPS', 1000)

export const options: Options = {
  setupTimeout: '5m',
  scenarios: {
    ramp: {
      executor: 'ramping-arrival-rate',
      startRate: Math.max(1, Math.floor(PEAK / 20)),
      timeUnit: '1s',
      preAllocatedVUs: envInt('STRESS_PREALLOCATED_VUS', 100),
      maxVUs: envInt('STRESS_MAX_VUS', 1000),
      stages: [
        { duration: '1m', target: Math.floor(PEAK / 2) },
        { duration: '2m', target: PEAK },
        { duration: '2m', target: PEAK },
        { duration: '30s', target: 0 }
      ]
    }
  },
  thresholds: {
    ...thresholds({ p95Ms: 1000, p99Ms: 2000, maxFailedRate: 0.05 }),
    http_req_failed: [{ threshold: 'rate<0.05', abortOnFail: true, delayAbortEval: '30s' }],
    checks: ['rate>0.95']
  }
}

interface SetupData { productIds: string[], customers: Session[] }

export function setup (): SetupData {
  const token = adminToken()
  const productIds = Array.from({ length: envInt('STRESS_PRODUCTS', 50) }, (_, i) =>
    createProduct(token, { name: `Stress product ${i} ${RUN_ID}`, price_cents: 250 + i * 10, stock: 10000000 }))
  return { productIds, customers: registerCustomers(envInt('STRESS_CUSTOMERS', 10), 'stress') }
}

export default function stress (data: SetupData): void {
  const customer = pick(data.customers, __VU)
  const roll = Math.random()
  if (roll < 0.5) expectStatus(getProduct(customer.accessToken, pick(data.productIds, __ITER + __VU)), 200, 'get product')
  else if (roll < 0.9) expectStatus(listProducts(customer.accessToken), 200, 'list products')
  else expectStatus(placeOrder(customer.accessToken, [{ product_id: pick(data.productIds, __ITER), quantity: 1 }]), 201, 'create order')
}
