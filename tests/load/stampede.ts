/**
 * Stampede: STAMPEDE_VUS virtual users start at the same instant and each tries to buy
 * one unit of a product that has only STAMPEDE_STOCK units. Exactly STAMPEDE_STOCK orders
 * must succeed (201), every other attempt must be a 409 INSUFFICIENT_STOCK problem, and
 * the product must end at stock 0, never below. Run it against several replicas to
 * prove the row lock holds across processes.
 */
import { check } from 'k6'
import { Counter } from 'k6/metrics'
import type { Options } from 'k6/options'
import { adminToken, createProduct, pick, placeOrder, productStock, registerCustomers, type Session } from './lib/api.ts'
import { RUN_ID, envInt } from './lib/config.ts'
import { bodyObject, stringField } from './lib/json.ts'

const STOCK = envInt('STAMPEDE_STOCK', 10)
const VUS = envInt('STAMPEDE_VUS', 200)

const succeeded = new Counter('stampede_orders_succeeded')
const soldOut = new Counter('stampede_orders_sold_out')
const unexpected = new Counter('stampede_orders_unexpected')

export const options: Options = {
  setupTimeout: '5m',
  scenarios: {
    stampede: { executor: 'per-vu-iterations', vus: VUS, iterations: 1, maxDuration: '2m' }
  },
  thresholds: {
    stampede_orders_succeeded: [`count==${STOCK}`],
    stampede_orders_sold_out: [`count==${VUS - STOCK}`],
    stampede_orders_unexpected: ['count==0'],
    checks: ['rate==1'],
    'http_req_duration{kind:write}': ['p(99)<5000']
  }
}

interface SetupData { productId: string, customers: Session[], adminToken: string }

export function setup (): SetupData {
  if (VUS <= STOCK) throw new Error('STAMPEDE_VUS must exceed STAMPEDE_STOCK for a stampede')
  const token = adminToken()
  return {
    adminToken: token,
    productId: createProduct(token, { name: `Last units ${RUN_ID}`, price_cents: 4999, stock: STOCK }),
    customers: registerCustomers(envInt('STAMPEDE_CUSTOMERS', 10), 'stampede')
  }
}

export default function stampede (data: SetupData): void {
  const customer = pick(data.customers, __VU)
  const res = placeOrder(customer.accessToken, [{ product_id: data.productId, quantity: 1 }], { expected: [201, 409] })
  const code = stringField(bodyObject(res), 'code')
  succeeded.add(res.status === 201 ? 1 : 0)
  soldOut.add(res.status === 409 && code === 'INSUFFICIENT_STOCK' ? 1 : 0)
  unexpected.add(res.status === 201 || (res.status === 409 && code === 'INSUFFICIENT_STOCK') ? 0 : 1)
  check(res, { 'order: 201 or 409 INSUFFICIENT_STOCK': () => res.status === 201 || code === 'INSUFFICIENT_STOCK' })
}

export function teardown (data: SetupData): void {
  const stock = productStock(data.adminToken, data.productId)
  check(stock, { 'stock ends at exactly 0 (sold all, never oversold)': (s) => s === 0 })
}
