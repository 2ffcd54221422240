import { Counter, type Registry } from 'prom-client'

/** The products' business counters, on the app's registry. */
export function productMetrics (registry: Registry): { created: Counter } {
  return { created: new Counter({ name: 'products_created_total', help: 'Products created', registers: [registry] }) }
}
