import { Counter, Gauge, Histogram, type Registry } from 'prom-client'
import type { Db } from '../../db/database.js'
import { deliveryBacklog } from './repository.js'
import type { WorkerHooks } from './worker.js'

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
  new Gauge({ // eslint-disable-line no-new
    name: 'webhook_outbox_backlog',
    help: 'Webhook deliveries not yet delivered (pending)',
    registers,
    async collect () { this.set((await deliveryBacklog(db)).pending) }
  })
  new Gauge({ // eslint-disable-line no-new
    name: 'webhook_outbox_oldest_pending_age_seconds',
    help: 'Age of the oldest undelivered (pending) webhook delivery',
    registers,
    async collect () { this.set((await deliveryBacklog(db)).oldestSeconds) }
  })
  return { onAttempt: (outcome, seconds) => { attempts.inc({ outcome }); latency.observe(seconds) } }
}
