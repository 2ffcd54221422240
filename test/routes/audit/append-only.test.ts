import { sql } from 'kysely'
import { suite } from '../../helpers/suite.js'
import { buildTestApp } from '../../helpers/app.js'
import { createUser } from '../../helpers/users.js'
import { purgeAuditEvents } from '../../../routes/audit/retention.js'
import { auditRowCount } from './fixtures.js'

/** What Postgres (and PGlite) answer when the append-only trigger refuses. */
const REFUSED = { code: '42501', message: /audit_events is append-only/ }

export default suite(import.meta, (t) => {
  t.test('the database refuses UPDATE, DELETE and TRUNCATE of audit events, even from the app\'s own connection', async (t) => {
    const app = await buildTestApp(t)
    const staff = await createUser(app, 'staff')
    const created = await app.inject({ method: 'POST', url: '/api/products', headers: staff.headers, payload: { sku: 'AO-1', name: 'Mug', price_cents: 100, stock: 1 } })
    t.equal(created.statusCode, 201)
    const before = await app.db.selectFrom('audit_events').selectAll().execute()
    t.equal(before.length, 1, 'the creation is recorded')

    await t.rejects(sql`UPDATE audit_events SET action = 'product.deleted'`.execute(app.db), REFUSED, 'UPDATE fails')
    await t.rejects(app.db.updateTable('audit_events').set({ actor_id: staff.id, request_id: 'forged' }).execute(), REFUSED, 'UPDATE through Kysely fails')
    await t.rejects(app.db.deleteFrom('audit_events').execute(), REFUSED, 'DELETE fails')
    await t.rejects(sql`TRUNCATE audit_events`.execute(app.db), REFUSED, 'TRUNCATE fails')
    await t.rejects(app.db.transaction().execute(async (trx) => {
      await sql`SELECT set_config('goshop.audit_purge', 'on', true)`.execute(trx)
      await trx.deleteFrom('audit_events').execute()
    }), REFUSED, 'the retention switch does not open recent rows to DELETE')
    await t.rejects(app.db.transaction().execute(async (trx) => {
      await sql`SELECT set_config('goshop.audit_purge', 'on', true)`.execute(trx)
      await trx.updateTable('audit_events').set({ request_id: 'forged' }).execute()
    }), REFUSED, 'nor any row to UPDATE')
    t.same(await app.db.selectFrom('audit_events').selectAll().execute(), before, 'the row is exactly as written')
  })

  t.test('retention: only the purge deletes, only rows past the retention, never younger than 30 days', async (t) => {
    const app = await buildTestApp(t)
    const user = await createUser(app, 'admin')
    const row = (daysAgo: number) => ({
      at: sql<Date>`now() - make_interval(days => ${daysAgo})`,
      actor_type: 'user' as const,
      actor_id: user.id,
      action: 'product.created',
      resource_type: 'product',
      resource_id: user.id,
      changes: JSON.stringify({ name: [null, `${daysAgo} days ago`] }),
      request_id: `aged-${daysAgo}`
    })
    await app.db.insertInto('audit_events').values([row(400), row(100), row(29), row(0)]).execute()

    await t.rejects(app.db.deleteFrom('audit_events').where('request_id', '=', 'aged-400').execute(), REFUSED, 'an old row cannot be deleted outside the purge either')
    t.equal(await purgeAuditEvents(app.db, 365), 1, 'a 365-day retention purges the 400-day-old row')
    t.equal(await purgeAuditEvents(app.db, 365), 0, 'and nothing more when run again')
    t.equal(await purgeAuditEvents(app.db, 30), 1, 'a 30-day retention purges the 100-day-old row')
    await t.rejects(purgeAuditEvents(app.db, 1), REFUSED, 'a retention under the floor the database enforces deletes nothing')
    const left = await app.db.selectFrom('audit_events').select('request_id').orderBy('at').execute()
    t.same(left.map((r) => r.request_id), ['aged-29', 'aged-0'])
    t.equal(await auditRowCount(app), 2)
  })
})
