import { Counter, type Registry } from 'prom-client'

/** The orders' business counters, on the app's registry. */
export function orderMetrics (registry: Registry): { created: Counter, revenueCents: Counter } {
  return {
    created: new Counter({ name: 'orders_created_total', help: 'Orders created', registers: [registry] }),
    revenueCents: new Counter({ name: 'order_revenue_cents_total', help: 'Sum of the totals of created orders, in minor units', registers: [registry] })
  }
}
