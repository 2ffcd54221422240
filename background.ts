import fp from 'fastify-plugin'
import { idempotencyJobs } from './lib/idempotency/jobs.js'
import type { DomainJobs, RunningJob } from './lib/jobs.js'
import { auditJobs } from './routes/audit/jobs.js'
import { authJobs } from './routes/auth/jobs.js'
import { eventJobs } from './routes/events/jobs.js'
import { webhookJobs } from './routes/webhooks/jobs.js'

/**
 * Each domain's start-up tasks and background jobs (routes/<domain>/jobs.ts), and those of the shared
 * modules the domains use (lib/idempotency/jobs.ts), in start order.
 */
const DOMAIN_JOBS: readonly DomainJobs[] = [authJobs, idempotencyJobs, auditJobs, eventJobs, webhookJobs]

/**
 * Starts and stops the jobs the domains declare: started onReady, one after another, before the
 * server listens; the running ones stopped on close, before the pools close. Registered last by app.ts.
 */
export default fp(async function background (fastify) {
  const { config, db, log, metricsRegistry } = fastify
  const jobs = DOMAIN_JOBS.flatMap((jobsOf) => jobsOf({ db, config, log, metricsRegistry }))
  const running: RunningJob[] = []
  fastify.addHook('onReady', async () => {
    for (const job of jobs) {
      const started = await job.start()
      log.debug({ job: job.name }, started === undefined ? 'start-up task done' : 'background job started')
      if (started !== undefined) running.push(started)
    }
  })
  fastify.addHook('onClose', async () => { await Promise.all(running.splice(0).map(async (job) => { await job.stop() })) })
}, { name: 'background', dependencies: ['config', 'db', 'metrics'] })
