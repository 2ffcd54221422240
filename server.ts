import { setTimeout as sleep } from 'node:timers/promises'
import closeWithGrace from 'close-with-grace'
import type { FastifyInstance } from 'fastify'
import { buildApp } from './app.js'
import { ConfigError, loadConfig } from './plugins/config.js'

function readConfig (): ReturnType<typeof loadConfig> {
  try {
    return loadConfig(process.env)
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message)
      process.exit(1)
    }
    throw error
  }
}

/**
 * SHUTDOWN_DRAIN_MS (default 0): after SIGTERM, keep serving this long with readiness at 503,
 * so a load balancer that only learns about the shutdown from the readiness probe stops sending
 * traffic before the listener closes.
 */
function readDrainMs (raw: string | undefined): number {
  if (raw === undefined || raw === '') return 0
  const value = Number(raw)
  if (!/^[0-9]+$/.test(raw) || value > 600_000) {
    console.error(`Invalid configuration:\n  - SHUTDOWN_DRAIN_MS=${JSON.stringify(raw)}: must be an integer number of milliseconds (0..600000)`)
    process.exit(1)
  }
  return value
}

const config = readConfig()
const drainMs = readDrainMs(process.env.SHUTDOWN_DRAIN_MS)

async function build (): Promise<FastifyInstance> {
  try {
    return await buildApp({ config })
  } catch (error) {
    // Postgres unreachable, or Redis configured but unreachable (@fastify/redis waits for it and
    // gives up at the plugin timeout): exit 1 and let the orchestrator restart us with backoff.
    console.error('could not start:', error)
    process.exit(1)
  }
}

const app = await build()

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
  app.log.info('shutdown complete')
})

try {
  await app.listen({ port: config.port, host: config.host })
} catch (error) {
  app.log.fatal({ err: error }, 'could not start')
  process.exit(1)
}
