import fp from 'fastify-plugin'
import { sql } from 'kysely'
import { Counter, Gauge, Histogram } from 'prom-client'
import { maskEmail } from './lib/logger.js'
import { readPackageVersion } from './lib/version.js'
import { ensureAdmin } from './routes/auth/bootstrap.js'
import { prepareUnknownUserHash } from './routes/auth/passwords.js'
import { everyInterval } from './lib/periodic-task.js'
import { purgeAuditEvents } from './routes/audit/retention.js'
import { schedulePurge } from './routes/orders/idempotency.js'
import { purgeExpiredEvents } from './routes/events/service.js'
import { DeliveryWorker } from './routes/webhooks/worker.js'

/** Expired idempotency keys are already ignored on lookup; the purge only bounds the table. */
const IDEMPOTENCY_PURGE_INTERVAL_MS = 15 * 60 * 1000
/** Audit events past AUDIT_RETENTION_DAYS: a few hours late is no matter, the log only needs bounding. */
const AUDIT_PURGE_INTERVAL_MS = 6 * 60 * 60 * 1000
/** Events past EVENT_RETENTION_DAYS are already refused by cursor age (410); the purge bounds the outbox. */
const EVENT_PURGE_INTERVAL_MS = 60 * 60 * 1000

/**
 * Everything the service does besides answering requests, in one place: start-up tasks (run
 * once, onReady, before the server listens) and background jobs (started onReady, stopped on
 * close before the pools close). Registered last by app.ts.
 */
export default fp(async function background (fastify) {
  const { config, db } = fastify

  // Start-up tasks.
  // Unknown emails verify against a dummy hash; make it now so the first one costs no more than the rest.
  fastify.addHook('onReady', prepareUnknownUserHash)
  const admin = config.admin
  if (admin !== null) {
    fastify.addHook('onReady', async () => {
      const outcome = await ensureAdmin(db, admin)
      fastify.log.info({ event: 'admin_bootstrap', email: maskEmail(admin.email), outcome }, 'admin account ensured')
    })
  }

  // Job: purge expired idempotency keys.
  let purge: ReturnType<typeof schedulePurge> | null = null
  fastify.addHook('onReady', async () => { purge = schedulePurge(db, fastify.log, IDEMPOTENCY_PURGE_INTERVAL_MS) })
  fastify.addHook('onClose', async () => { await purge?.stop() })

  // Job: the audit log's retention (the only DELETE the audit_events table lets through; see routes/audit/retention.ts).
  let auditPurge: ReturnType<typeof everyInterval> | null = null
  fastify.addHook('onReady', async () => {
    auditPurge = everyInterval(AUDIT_PURGE_INTERVAL_MS, fastify.log, 'audit retention purge', async () => {
      const deleted = await purgeAuditEvents(db, config.audit.retentionDays)
      return deleted > 0 ? { deleted, retention_days: config.audit.retentionDays } : null
    })
  })
  fastify.addHook('onClose', async () => { await auditPurge?.stop() })

  // Job: purge events older than the retention of the events feed (with their deliveries).
  let eventPurge: ReturnType<typeof everyInterval> | null = null
  fastify.addHook('onReady', async () => {
    eventPurge = everyInterval(EVENT_PURGE_INTERVAL_MS, fastify.log, 'events retention purge', async () => {
      const deleted = await purgeExpiredEvents(db, config.events.retentionDays)
      return deleted > 0 ? { deleted, retention_days: config.events.retentionDays } : null
    })
  })
  fastify.addHook('onClose', async () => { await eventPurge?.stop() })

  // Job: the webhook delivery worker of this replica (WEBHOOK_WORKER=false leaves it off), and its
  // metrics. Every replica may run one: deliveries are claimed with SKIP LOCKED, so each attempt
  // is made by exactly one of them.
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
    const row = await db.selectFrom('webhook_deliveries')
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
  if (config.webhooks.worker) {
    const worker = new DeliveryWorker({
      db,
      log: fastify.log.child({ component: 'webhook-worker' }),
      config: config.webhooks,
      userAgent: `GoShop-Webhooks/${readPackageVersion()}`,
      hooks: { onAttempt: (outcome, seconds) => { attempts.inc({ outcome }); latency.observe(seconds) } }
    })
    fastify.addHook('onReady', async () => { worker.start() })
    fastify.addHook('onClose', async () => { await worker.stop() })
  }
}, { name: 'background', dependencies: ['config', 'db', 'metrics'] })
