import { Counter, Gauge, Histogram, type Registry } from 'prom-client'
import type { Db } from '../../db/database.js'
import { withDeadline } from '../../lib/deadline.js'
import { deliveryBacklog } from './repository.js'
import type { WorkerHooks } from './worker.js'

/** How long a scrape waits for the backlog before answering without it. */
const BACKLOG_READ_MS = 1000

/**
 * The backlog, read once per scrape for both gauges, within BACKLOG_READ_MS; null when the
 * database did not answer. A scrape during a database incident then still serves every other
 * metric (HTTP, process, pool, Redis), which is when they matter most.
 */
function backlogReader (db: Db): () => Promise<{ pending: number, oldestSeconds: number } | null> {
  let reading: Promise<{ pending: number, oldestSeconds: number } | null> | null = null
  return async () => {
    reading ??= withDeadline(deliveryBacklog(db), BACKLOG_READ_MS)
      .catch(() => null)
      .finally(() => { reading = null })
    return await reading
  }
}

/**
 * The webhook metrics: the outbox backlog (read on scrape, whether or not this replica runs a
 * worker) and, as the worker's hooks, each delivery attempt's outcome and duration.
 */
export function webhookMetrics (db: Db, registry: Registry): WorkerHooks {
  const registers = [registry]
  const attempts = new Counter({
    name: 'webhook_deliveries_total',
    help: 'Webhook delivery attempts by outcome: succeeded, retry (failed, retried later), failed (failed, retries exhausted)',
    labelNames: ['outcome'],
    registers
  })
  const latency = new Histogram({
    name: 'webhook_delivery_duration_seconds',
    help: 'Time from sending a webhook to its response or failure',
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers
  })
  const readBacklog = backlogReader(db)
  new Gauge({ // eslint-disable-line no-new
    name: 'webhook_outbox_backlog',
    help: 'Webhook deliveries not yet delivered (pending); its last read value while the database does not answer',
    registers,
    async collect () {
      const backlog = await readBacklog()
      if (backlog !== null) this.set(backlog.pending)
    }
  })
  new Gauge({ // eslint-disable-line no-new
    name: 'webhook_outbox_oldest_pending_age_seconds',
    help: 'Age of the oldest undelivered (pending) webhook delivery; its last read value while the database does not answer',
    registers,
    async collect () {
      const backlog = await readBacklog()
      if (backlog !== null) this.set(backlog.oldestSeconds)
    }
  })
  return { onAttempt: (outcome, seconds) => { attempts.inc({ outcome }); latency.observe(seconds) } }
}
