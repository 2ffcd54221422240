import type { FastifyBaseLogger } from 'fastify'
import type { Db } from '../../db/database.js'
import type { DomainJobs, RunningJob } from '../jobs.js'
import { everyInterval } from '../periodic-task.js'
import { purgeExpiredKeys } from './repository.js'

/** Expired idempotency keys are already ignored on lookup; the purge only bounds the table. */
const IDEMPOTENCY_PURGE_INTERVAL_MS = 15 * 60 * 1000

/** Deletes expired idempotency keys every `intervalMs`. */
export function schedulePurge (db: Db, log: FastifyBaseLogger, intervalMs: number): RunningJob {
  return everyInterval(intervalMs, log, 'purging expired idempotency keys', async () => {
    const deleted = await purgeExpiredKeys(db)
    return deleted > 0 ? { deleted } : null
  })
}

/** The keys' purge, one for every domain that takes an Idempotency-Key (orders, products' batch). */
export const idempotencyJobs: DomainJobs = ({ db, log }) => [
  { name: 'idempotency-key purge', start: async () => schedulePurge(db, log, IDEMPOTENCY_PURGE_INTERVAL_MS) }
]
