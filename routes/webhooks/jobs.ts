import type { DomainJobs } from '../../lib/jobs.js'
import { readPackageVersion } from '../../lib/version.js'
import { webhookMetrics } from './metrics.js'
import { DeliveryWorker } from './worker.js'

/**
 * The webhook delivery worker of this replica (WEBHOOK_WORKER=false leaves it off), and its
 * metrics. Every replica may run one: deliveries are claimed with SKIP LOCKED, so each attempt
 * is made by exactly one of them.
 */
export const webhookJobs: DomainJobs = ({ db, config, log, metricsRegistry }) => {
  const hooks = webhookMetrics(db, metricsRegistry)
  if (!config.webhooks.worker) return []
  const worker = new DeliveryWorker({
    db,
    log: log.child({ component: 'webhook-worker' }),
    config: config.webhooks,
    userAgent: `GoShop-Webhooks/${readPackageVersion()}`,
    hooks
  })
  return [{ name: 'webhook delivery worker', start: async () => { worker.start(); return worker } }]
}
