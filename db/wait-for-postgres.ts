import { setTimeout as sleep } from 'node:timers/promises'
import { sql } from 'kysely'
import type { Db } from './database.js'
import { isTransientDatabaseError } from './errors.js'

/** An answer from Postgres itself (it has a severity) that waiting will not change: a wrong password, no such database. */
function isLasting (error: unknown): boolean {
  return typeof error === 'object' && error !== null && 'severity' in error && !isTransientDatabaseError(error)
}

const MAX_PAUSE_MS = 2000

/**
 * Resolves once Postgres answers a query. At start-up it may not yet (a database container or pod
 * still starting, DNS not yet resolving its Service, "the database system is starting up"), so
 * failures are retried, with a pause growing to 2 s; one that waiting cannot change is thrown at
 * once. No limit of its own: the server's boot deadline (STARTUP_TIMEOUT_MS, server.ts) ends the
 * wait naming this step, and a script passes `signal` to end it. `onWaiting` hears the first
 * failure and every tenth after it (one log line every ~20 s), with the attempt number.
 */
export async function waitForPostgres (db: Db, onWaiting: (error: unknown, attempt: number) => void, signal?: AbortSignal): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await sql`select 1`.execute(db)
      return
    } catch (error) {
      if (isLasting(error)) throw error
      const gaveUp = (): Error => new Error(`Postgres did not answer in time (last: ${error instanceof Error ? error.message : String(error)})`, { cause: error })
      if (signal?.aborted === true) throw gaveUp()
      if (attempt % 10 === 1) onWaiting(error, attempt)
      await sleep(Math.min(attempt * 250, MAX_PAUSE_MS), undefined, signal === undefined ? {} : { signal }).catch(() => { throw gaveUp() })
    }
  }
}
