import { Gauge, type Registry } from 'prom-client'
import type { Db } from '../../db/database.js'
import { withDeadline } from '../../lib/deadline.js'
import { feedHeldBackSeconds } from './repository.js'

/** How long a scrape waits for the database before answering without this gauge's new value. */
const READ_MS = 1000

/**
 * How far the events feed and the audit log may lag: the age of the oldest open transaction
 * they wait for (db/feed-position.ts). Read on scrape; its last value while the database does not answer.
 */
export function feedMetrics (db: Db, registry: Registry): void {
  new Gauge({ // eslint-disable-line no-new
    name: 'events_feed_held_back_seconds',
    help: 'Age of the oldest open transaction of this database that has written (or of a prepared transaction): ' +
      'the events feed and the audit log list nothing written after it began until it ends; 0 when none',
    registers: [registry],
    async collect () {
      const seconds = await withDeadline(feedHeldBackSeconds(db), READ_MS).catch(() => null)
      if (seconds !== null) this.set(seconds)
    }
  })
}
