import type { Options } from 'k6/options'

type Thresholds = NonNullable<Options['thresholds']>

/**
 * Service-level objectives shared by the scenarios. Catalog reads are tagged
 * `kind:read`, order creation `kind:write`, so each gets its own latency budget.
 */
export function thresholds (scale: { p95Ms: number, p99Ms: number, maxFailedRate: number }): Thresholds {
  return {
    http_req_failed: [`rate<${scale.maxFailedRate}`],
    http_req_duration: [`p(95)<${scale.p95Ms}`, `p(99)<${scale.p99Ms}`],
    'http_req_duration{kind:read}': [`p(95)<${scale.p95Ms}`, `p(99)<${scale.p99Ms}`],
    'http_req_duration{kind:write}': [`p(95)<${scale.p95Ms * 2}`, `p(99)<${scale.p99Ms * 2}`],
    checks: ['rate>0.99']
  }
}
