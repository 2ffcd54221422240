import { setTimeout as sleep } from 'node:timers/promises'
import closeWithGrace from 'close-with-grace'
import type { FastifyInstance } from 'fastify'
import pino from 'pino'
import { buildApp } from './app.js'
import { ConfigError, loadConfig } from './lib/config.js'
import { REDACT_PATHS } from './lib/logger.js'
import { listenForMetrics, type MetricsListener } from './lib/metrics-listener.js'
import { startupDeadline } from './lib/startup-deadline.js'
import { startTracing, type Tracing } from './lib/tracing/provider.js'

function configured<T> (read: () => T): T {
  try {
    return read()
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message)
      process.exit(1)
    }
    throw error
  }
}

const config = configured(() => loadConfig(process.env))
// Until the app (and its logger) exists, a failed boot is told by this one: pino JSON like every
// other line, at fatal, which even LOG_LEVEL=silent prints (a process that exits says why).
const bootLog = pino({ level: 'fatal', redact: { paths: REDACT_PATHS, censor: '[Redacted]' } })
// Off (null) unless the standard OTEL_* variables turn it on; then before the app is built.
// OpenTelemetry's own warnings (a failed export) are lines at the app's LOG_LEVEL.
const tracing: Tracing | null = configured(() => startTracing({ log: bootLog.child({}, { level: config.logLevel }) }))
// STARTUP_TIMEOUT_MS bounds the whole boot (database start, migrations, Redis, bootstrap,
// listen). Past it the process exits 1 naming the step that hung, and the orchestrator restarts
// it; no single step has a shorter limit of its own, so a slow machine only makes boot slower.
const boot = startupDeadline(config.startupTimeoutMs, (step, timeoutMs) => {
  bootLog.fatal({ step, timeoutMs }, `could not start: still in step '${step}' when the startup deadline passed (STARTUP_TIMEOUT_MS=${timeoutMs})`)
  process.exit(1)
})
const bootStarted = Date.now()
// SHUTDOWN_DRAIN_MS: after SIGTERM keep serving with readiness at 503, so a load balancer that
// only learns of the shutdown from the readiness probe stops sending traffic first.
const drainMs = config.shutdownDrainMs

async function build (): Promise<FastifyInstance> {
  try {
    return await buildApp({ config, onStep: boot.step, tracing })
  } catch (error) {
    // e.g. migrations failed against an unreachable Postgres: exit 1 and let the orchestrator
    // restart us with backoff. (Redis being down does not stop the start: readiness reports it.)
    bootLog.fatal({ err: error, step: boot.current }, `could not start: step '${boot.current}' failed`)
    process.exit(1)
  }
}

const app = await build()
let metricsListener: MetricsListener | undefined

/*
 * Shutdown (SIGTERM/SIGINT): readiness answers 503 at once, then (after SHUTDOWN_DRAIN_MS) the
 * listener closes, in-flight requests finish (bounded by SHUTDOWN_TIMEOUT_MS), the Postgres pool
 * and Redis client close, exit 0. Past the budget, close-with-grace exits 1.
 *
 * Kubernetes: removing a terminating pod from the Service endpoints happens in parallel with
 * SIGTERM, and kube-proxy/ingresses take a few seconds to notice. Closing the listener at once
 * would refuse connections still being routed to us, so the Deployment's preStop hook sleeps
 * (~5-10 s) before SIGTERM is sent; SHUTDOWN_DRAIN_MS does the same for platforms without preStop.
 * terminationGracePeriodSeconds must exceed preStop + SHUTDOWN_DRAIN_MS + SHUTDOWN_TIMEOUT_MS.
 */
closeWithGrace({ delay: drainMs + config.shutdownTimeoutMs, logger: app.log }, async ({ signal, err }) => {
  app.lifecycle.shuttingDown = true
  if (err !== undefined) {
    app.log.error({ err }, 'shutting down after a fatal error')
  } else {
    app.log.info({ signal, drainMs }, 'shutting down: readiness answers 503')
    if (drainMs > 0) await sleep(drainMs)
  }
  await app.close()
  // Last: Prometheus sees the drain and the shutdown.
  await metricsListener?.close()
  // The spans of the last requests are exported before the exit.
  await tracing?.shutdown()
  app.log.info('shutdown complete')
})

try {
  boot.step('ready (onReady hooks: admin bootstrap, ...)')
  await app.ready()
  boot.step('listen')
  await app.listen({ port: config.port, host: config.host })
  boot.step('listen (metrics)')
  metricsListener = await listenForMetrics({
    ...config.metrics,
    timeouts: config.httpTimeouts,
    expose: app.metricsExposition,
    onError: (err) => { app.log.error({ err }, 'collecting metrics failed') }
  })
  boot.done()
  app.log.info({ bootMs: Date.now() - bootStarted, metricsPort: metricsListener.port }, 'started')
} catch (error) {
  app.log.fatal({ err: error, step: boot.current }, 'could not start')
  process.exit(1)
}
