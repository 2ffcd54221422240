/**
 * Stress: an open model (arrival rate, not VUs) pushed well past the expected peak to
 * find where latency bends and to prove the service degrades with 429/503 problems
 * rather than crashes. A 429 or 503 answered as problem+json is the service shedding load
 * as designed (counted in `shed_responses`, not a failed request); anything else that is
 * not the expected success (another 5xx, a non-problem error, a network error) counts in
 * `broken_responses`, which must stay at 0, and the run aborts early once more than 1 % of
 * requests fail that way. Same prerequisites as load.ts.
 */
import http, { type RefinedResponse, type ResponseType } from 'k6/http'
import { Counter } from 'k6/metrics'
import type { Options } from 'k6/options'
import { adminToken, createProduct, getProduct, listProducts, pick, placeOrder, registerCustomers, type Session } from './lib/api.ts'
import { expectShed, expectStatus } from './lib/checks.ts'
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
    ...thresholds({ p95Ms: 1000, p99Ms: 2000, maxFailedRate: 0.01 }),
    http_req_failed: [{ threshold: 'rate<0.01', abortOnFail: true, delayAbortEval: '30s' }],
    broken_responses: ['count==0']
  }
}

// Shedding (429 rate limited, 503 overloaded) is an answer here, not a failed request.
http.setResponseCallback(http.expectedStatuses({ min: 200, max: 299 }, 429, 503))
const shed = new Counter('shed_responses')
const broken = new Counter('broken_responses')

/** The expected success, or load shed as a 429/503 problem; anything else is broken. */
function judge (res: RefinedResponse<ResponseType | undefined>, status: number, name: string): void {
  if (res.status === status) {
    expectStatus(res, status, name)
  } else if (res.status === 429 || res.status === 503) {
    shed.add(1, { status: String(res.status) })
    const codes = res.status === 429 ? ['RATE_LIMITED'] : ['SERVICE_OVERLOADED', 'SERVICE_UNAVAILABLE']
    if (!expectShed(res, codes, name)) broken.add(1, { name, status: String(res.status) })
  } else {
    broken.add(1, { name, status: String(res.status) })
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
  if (roll < 0.5) judge(getProduct(customer.accessToken, pick(data.productIds, __ITER + __VU)), 200, 'get product')
  else if (roll < 0.9) judge(listProducts(customer.accessToken), 200, 'list products')
  else judge(placeOrder(customer.accessToken, [{ product_id: pick(data.productIds, __ITER), quantity: 1 }]), 201, 'create order')
}
