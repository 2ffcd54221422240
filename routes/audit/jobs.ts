import type { DomainJobs } from '../../lib/jobs.js'
import { everyInterval } from '../../lib/periodic-task.js'
import { purgeAuditEvents } from './retention.js'

/** Audit events past AUDIT_RETENTION_DAYS: a few hours late is no matter, the log only needs bounding. */
const AUDIT_PURGE_INTERVAL_MS = 6 * 60 * 60 * 1000

/** The audit log's retention (the only DELETE the audit_events table lets through; see retention.ts). */
export const auditJobs: DomainJobs = ({ db, config, log }) => [{
  name: 'audit retention purge',
  start: async () => everyInterval(AUDIT_PURGE_INTERVAL_MS, log, 'audit retention purge', async () => {
    const deleted = await purgeAuditEvents(db, config.audit.retentionDays)
    return deleted > 0 ? { deleted, retention_days: config.audit.retentionDays } : null
  })
}]
