import fastifyMetricsModule from 'fastify-metrics'
import fp from 'fastify-plugin'
import { collectDefaultMetrics, Gauge, register as processRegistry, Registry } from 'prom-client'
import type { MetricsExposition } from '../../lib/metrics-listener.js'

// fastify-metrics is CommonJS with `exports.default`.
const fastifyMetrics = fastifyMetricsModule.default

declare module 'fastify' {
  interface FastifyInstance {
    /** This app's registry: each domain registers its own metrics on it (routes/<domain>/metrics.ts). */
    metricsRegistry: Registry
    /** The Prometheus text of /metrics (process and app metrics), for the metrics listener. */
    metricsExposition: () => Promise<MetricsExposition>
  }
}

/**
 * The process's own metrics (CPU, memory, event-loop lag, GC) belong to the process, not to an
 * app: prom-client collects them into its global registry once per process, which fastify-metrics
 * merges into every app's /metrics. Collected per app, each app would add a GC observer that is
 * never removed and keeps the app's registry, and through its gauges the app, alive after close.
 */
function collectProcessMetricsOnce (): void {
  if (processRegistry.getSingleMetric('process_cpu_seconds_total') === undefined) collectDefaultMetrics()
}

/**
 * Prometheus /metrics: process metrics, an HTTP latency histogram labelled by method,
 * route template and status code, DB pool gauges, and what the domains register. Served by the
 * metrics listener (server.ts, METRICS_PORT); outside production also on the API port, while
 * in production the API port answers 404 for it (strangers get neither the data nor its cost).
 */
export default fp(async function metricsPlugin (fastify) {
  collectProcessMetricsOnce()
  // The app's metrics go to a registry of its own, so several apps in one process (tests, two
  // replicas side by side) never collide on metric names; emptied on close.
  const register = new Registry()
  fastify.decorate('metricsRegistry', register)
  fastify.addHook('onClose', async () => { register.clear() })
  fastify.decorate('metricsExposition', async () => {
    // Merged per scrape, as fastify-metrics does: metrics registered later must show up too.
    const merged = Registry.merge([processRegistry, register])
    return { contentType: merged.contentType, body: await merged.metrics() }
  })
  const onApiPort = fastify.config.env !== 'production'
  await fastify.register(fastifyMetrics, {
    endpoint: onApiPort ? { url: '/metrics', method: 'GET', schema: { hide: true }, config: { rateLimit: false }, handler: async () => {} } : null,
    defaultMetrics: { enabled: false },
    routeMetrics: {
      enabled: { histogram: true, summary: false },
      routeBlacklist: ['/metrics', '/health/live', '/health/ready'],
      // Unknown routes (404, 405) are counted too, all under one label (route="__unknown__"): a flood of them shows.
      registeredRoutesOnly: false,
      overrides: {
        histogram: {
          name: 'http_request_duration_seconds',
          registers: [register],
          buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5]
        },
        // fastify-metrics creates the summary even when disabled: register it nowhere, so /metrics
        // shows no empty http_request_summary_seconds family (and the global registry stays clean).
        summary: { registers: [] }
      }
    }
  })

  const pool = fastify.dbHandle.pool
  const poolGauge = (name: string, help: string, read: () => number): Gauge =>
    new Gauge({ name, help, registers: [register], collect () { this.set(read()) } })
  if (pool !== null) {
    poolGauge('db_pool_connections', 'Connections open in the Postgres pool', () => pool.totalCount)
    poolGauge('db_pool_connections_idle', 'Idle connections in the Postgres pool', () => pool.idleCount)
    poolGauge('db_pool_requests_waiting', 'Queries waiting for a pool connection', () => pool.waitingCount)
  }
}, { name: 'metrics', dependencies: ['config', 'db'] })
