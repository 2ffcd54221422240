import type { DomainJobs } from '../../lib/jobs.js'
import { maskEmail } from '../../lib/logger.js'
import { ensureAdmin } from './bootstrap.js'
import { prepareUnknownUserHash } from './passwords.js'

/** Start-up tasks of auth. */
export const authJobs: DomainJobs = ({ db, config, log }) => {
  const admin = config.admin
  return [
    // Unknown emails verify against a dummy hash; make it now so the first one costs no more than the rest.
    { name: 'dummy password hash', start: async () => { await prepareUnknownUserHash(); return undefined } },
    ...(admin === null
      ? []
      : [{
          name: 'admin bootstrap',
          start: async () => {
            const outcome = await ensureAdmin(db, admin)
            log.info({ event: 'admin_bootstrap', email: maskEmail(admin.email), outcome }, 'admin account ensured')
            return undefined
          }
        }])
  ]
}
