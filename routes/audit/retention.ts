import { sql } from 'kysely'
import type { Db } from '../../db/database.js'

/**
 * The retention purge: deletes audit events older than `retentionDays`. The table refuses every
 * DELETE (migration 0004) unless the transaction says it is this purge (goshop.audit_purge, local
 * to the transaction) and the row is older than the floor the database enforces (30 days), so
 * neither this nor any other SQL of the app can delete recent history.
 * Safe on several replicas at once: they delete the same old rows, the second finds none.
 */
export async function purgeAuditEvents (db: Db, retentionDays: number): Promise<number> {
  return await db.transaction().execute(async (trx) => {
    await sql`SELECT set_config('goshop.audit_purge', 'on', true)`.execute(trx)
    const result = await trx.deleteFrom('audit_events')
      .where('at', '<', sql<Date>`now() - make_interval(days => ${retentionDays})`)
      .executeTakeFirst()
    return Number(result.numDeletedRows)
  })
}
