import type { DomainJobs } from '../../lib/jobs.js'
import { everyInterval } from '../../lib/periodic-task.js'
import { feedMetrics } from './metrics.js'
import { purgeExpiredEvents } from './service.js'

/** Events past EVENT_RETENTION_DAYS are already refused by cursor age (410); the purge bounds the outbox. */
const EVENT_PURGE_INTERVAL_MS = 60 * 60 * 1000

/** Purges events older than the retention of the events feed (with their deliveries); registers the feed's lag gauge. */
export const eventJobs: DomainJobs = ({ db, config, log, metricsRegistry }) => {
  feedMetrics(db, metricsRegistry)
  return [{
    name: 'events retention purge',
    start: async () => everyInterval(EVENT_PURGE_INTERVAL_MS, log, 'events retention purge', async () => {
      const deleted = await purgeExpiredEvents(db, config.events.retentionDays)
      return deleted > 0 ? { deleted, retention_days: config.events.retentionDays } : null
    })
  }]
}
