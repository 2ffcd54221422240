import fp from 'fastify-plugin'
import { sql } from 'kysely'
import { Counter, Gauge, Histogram } from 'prom-client'
import { DeliveryWorker } from '../routes/webhooks/worker.js'
import { readPackageVersion } from './version.js'

declare module 'fastify' {
  interface FastifyInstance {
    webhookWorker: DeliveryWorker | null
  }
}

/**
 * The webhook delivery worker of this replica (WEBHOOK_WORKER=false leaves it off) and the
 * webhook metrics. Every replica may run one: deliveries are claimed with SKIP LOCKED, so
 * each attempt is made by exactly one of them. Stopped on close, before the pool closes.
 */
export default fp(async function webhookWorkerPlugin (fastify) {
  const registers = [fastify.metricsRegistry]
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
  // Read on scrape: two aggregates over the partial index of pending deliveries.
  const backlog = async (): Promise<{ pending: number, oldestSeconds: number }> => {
    const row = await fastify.db.selectFrom('webhook_deliveries')
      .select((eb) => [
        eb.fn.countAll<number>().as('pending'),
        sql<number>`coalesce(extract(epoch from now() - min(created_at)), 0)`.as('oldest')
      ])
      .where('status', '=', 'pending')
      .executeTakeFirstOrThrow()
    return { pending: Number(row.pending), oldestSeconds: Number(row.oldest) }
  }
  new Gauge({ // eslint-disable-line no-new
    name: 'webhook_outbox_backlog',
    help: 'Webhook deliveries not yet delivered (pending)',
    registers,
    async collect () { this.set((await backlog()).pending) }
  })
  new Gauge({ // eslint-disable-line no-new
    name: 'webhook_outbox_oldest_pending_age_seconds',
    help: 'Age of the oldest undelivered (pending) webhook delivery',
    registers,
    async collect () { this.set((await backlog()).oldestSeconds) }
  })

  const config = fastify.config.webhooks
  if (!config.worker) {
    fastify.decorate('webhookWorker', null)
    return
  }
  const worker = new DeliveryWorker({
    db: fastify.db,
    log: fastify.log.child({ component: 'webhook-worker' }),
    config,
    userAgent: `GoShop-Webhooks/${readPackageVersion()}`,
    hooks: { onAttempt: (outcome, seconds) => { attempts.inc({ outcome }); latency.observe(seconds) } }
  })
  fastify.decorate('webhookWorker', worker)
  fastify.addHook('onReady', async () => { worker.start() })
  fastify.addHook('onClose', async () => { await worker.stop() })
}, { name: 'webhook-worker', dependencies: ['config', 'db', 'metrics'] })
