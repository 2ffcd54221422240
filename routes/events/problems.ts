import { defineProblems } from '../../lib/problems/define.js'

export const EVENT_PROBLEMS = defineProblems({
  CURSOR_EXPIRED: {
    status: 410,
    title: 'Cursor expired',
    description: 'The events-feed cursor is older than the retention (EVENT_RETENTION_DAYS); events after it may have been purged. Start again without a cursor and reconcile from the lists.'
  }
})
