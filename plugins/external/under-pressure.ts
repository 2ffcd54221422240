import { readFileSync } from 'node:fs'
import { getHeapStatistics } from 'node:v8'
import underPressure from '@fastify/under-pressure'
import type { FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { AppError } from '../../lib/app-error.js'
import { boundedWarning } from '../../lib/bounded-warning.js'
import { HTTP_PROBLEMS } from '../../lib/problems/http.js'

export interface PressureOptions {
  /** Mean event-loop delay (ms) over one sample above which requests are shed; 0 disables the check. */
  maxEventLoopDelayMs?: number
  /** V8 heap in use above which requests are shed; default 90 % of the heap limit. */
  maxHeapUsedBytes?: number
  /** Resident memory above which requests are shed; default 90 % of the container's memory limit, if any. */
  maxRssBytes?: number
  /** Retry-After (seconds) on a shed request. */
  retryAfterSeconds?: number
  /** How often the process is measured (ms). */
  sampleIntervalMs?: number
}

/** Liveness must answer while overloaded (a restart would not help); readiness and metrics show what is going on. */
const NEVER_SHED = new Set(['/health/live', '/health/ready', '/metrics'])

const NO_LIMIT = 2 ** 50

/** cgroup v2, then v1; 0 when the process has no memory limit of its own. */
function containerMemoryLimit (): number {
  for (const file of ['/sys/fs/cgroup/memory.max', '/sys/fs/cgroup/memory/memory.limit_in_bytes']) {
    try {
      const limit = Number(readFileSync(file, 'utf8').trim())
      if (Number.isSafeInteger(limit) && limit > 0 && limit < NO_LIMIT) return limit
    } catch {
      // not this cgroup layout
    }
  }
  return 0
}

/**
 * Load shedding with @fastify/under-pressure: when the event loop lags or memory nears its
 * limit, requests get a fast 503 problem (SERVICE_OVERLOADED, Retry-After) instead of queueing
 * until everything times out.
 */
export default fp<PressureOptions>(async function underPressurePlugin (fastify, opts) {
  const retryAfter = opts.retryAfterSeconds ?? 5
  const rssLimit = opts.maxRssBytes ?? Math.floor(containerMemoryLimit() * 0.9)
  const sampleInterval = opts.sampleIntervalMs ?? 1000
  // Booting (schema compilation, migrations, embedded PGlite) blocks the loop for a while; the
  // samples taken meanwhile are not load, so event-loop delay counts only from two samples after ready.
  let loopDelayCountsFrom = Number.POSITIVE_INFINITY
  const warnOverloaded = boundedWarning()
  fastify.addHook('onReady', async () => { loopDelayCountsFrom = Date.now() + 2 * sampleInterval })

  // Embedded PGlite runs its queries on this event loop, so there loop delay measures the
  // database's own work, not overload: shedding on it would turn one slow query into 503s for all.
  const embeddedDatabase = fastify.config.database.kind === 'pglite'
  const maxEventLoopDelay = opts.maxEventLoopDelayMs ?? (embeddedDatabase ? 0 : 1000)

  await fastify.register(underPressure, {
    maxEventLoopDelay,
    maxHeapUsedBytes: opts.maxHeapUsedBytes ?? Math.floor(getHeapStatistics().heap_size_limit * 0.9),
    ...(rssLimit > 0 ? { maxRssBytes: rssLimit } : {}),
    sampleInterval,
    retryAfter,
    pressureHandler: async (request: FastifyRequest, reply, type, value) => {
      if (NEVER_SHED.has(request.routeOptions.url ?? '')) return
      if (type === underPressure.TYPE_EVENT_LOOP_DELAY && Date.now() < loopDelayCountsFrom) return
      warnOverloaded((suppressed) => { request.log.warn({ pressure: type, value, suppressed }, 'overloaded: shedding load with 503') })
      throw new AppError(HTTP_PROBLEMS.SERVICE_OVERLOADED, 'The service is overloaded; retry shortly',
        { headers: { 'retry-after': String(retryAfter) } })
    }
  })
}, { name: 'under-pressure', dependencies: ['config'] })
