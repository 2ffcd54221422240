import { randomUUID } from 'node:crypto'
import { suite } from '../../helpers/suite.js'
import { buildTestApp } from '../../helpers/app.js'
import { createUser } from '../../helpers/users.js'
import { changeRole } from '../../../routes/admin/service.js'

export default suite(import.meta, (t) => {
  t.test('two admins demoting each other: one wins, an admin remains (the caller\'s role is read again under lock)', async (t) => {
    const app = await buildTestApp(t)
    const [b, c] = [await createUser(app, 'admin'), await createUser(app, 'admin')]
    const demote = async (by: typeof b, target: typeof b) =>
      await app.inject({ method: 'PUT', url: `/api/users/${target.id}/role`, headers: { ...by.headers, 'content-type': 'application/json' }, payload: { role: 'customer' } })
    const results = await Promise.all([demote(b, c), demote(c, b)])
    t.same(results.map((res) => res.statusCode).sort(), [200, 403], 'one demotion, one refusal')
    const admins = await app.db.selectFrom('users').select('id').where('role', '=', 'admin').where('id', 'in', [b.id, c.id]).execute()
    t.equal(admins.length, 1, 'an admin remains')

    // The same race with the loser's request already past the role check (another replica's
    // cached role): the service itself refuses it.
    const [d, e] = [await createUser(app, 'admin'), await createUser(app, 'admin')]
    t.equal((await demote(d, e)).statusCode, 200)
    const late = changeRole(app.db, { actorId: e.id, userId: d.id, role: 'customer', precondition: () => {}, audit: { actor: { type: 'user', id: e.id }, requestId: 'late' } })
    await t.rejects(late, { statusCode: 403, message: /Your role changed while this request ran/ })
    t.equal((await app.db.selectFrom('users').select('role').where('id', '=', d.id).executeTakeFirstOrThrow()).role, 'admin', 'd is still an admin')
  })

  t.test('admins change roles; everyone else is refused', async (t) => {
    const app = await buildTestApp(t)
    const admin = await createUser(app, 'admin')
    const staff = await createUser(app, 'staff')
    const customer = await createUser(app, 'customer')
    const put = async (id: string, payload: unknown, headers: Record<string, string> = admin.headers) =>
      await app.inject({ method: 'PUT', url: `/api/users/${id}/role`, headers, payload: JSON.stringify(payload) })

    for (const [who, headers] of [['customer', customer.headers], ['staff', staff.headers]] as const) {
      const res = await put(customer.id, { role: 'admin' }, { ...headers, 'content-type': 'application/json' })
      t.equal(res.statusCode, 403, `${who} is refused`)
      t.equal(res.json().code, 'FORBIDDEN')
    }
    const anonymous = await app.inject({ method: 'PUT', url: `/api/users/${customer.id}/role`, payload: { role: 'admin' } })
    t.equal(anonymous.statusCode, 401)
    t.equal(anonymous.json().code, 'TOKEN_MISSING')
    const unchanged = await app.db.selectFrom('users').select('role').where('id', '=', customer.id).executeTakeFirstOrThrow()
    t.equal(unchanged.role, 'customer')

    const headers = { ...admin.headers, 'content-type': 'application/json' }
    const promoted = await put(customer.id, { role: 'staff' }, headers)
    t.equal(promoted.statusCode, 200)
    t.same({ ...promoted.json(), created_at: '' }, { id: customer.id, email: customer.email, role: 'staff', customer_id: customer.customerId, created_at: '' })
    t.match(String(promoted.headers.etag), /^"[A-Za-z0-9_-]+"$/)
    const stored = await app.db.selectFrom('users').select('role').where('id', '=', customer.id).executeTakeFirstOrThrow()
    t.equal(stored.role, 'staff')

    const stale = await app.inject({ method: 'PUT', url: `/api/users/${customer.id}/role`, headers: { ...headers, 'if-match': '"stale"' }, payload: { role: 'admin' } })
    t.equal(stale.statusCode, 412)
    t.equal(stale.json().code, 'PRECONDITION_FAILED')
    const fresh = await app.inject({ method: 'PUT', url: `/api/users/${customer.id}/role`, headers: { ...headers, 'if-match': String(promoted.headers.etag) }, payload: { role: 'customer' } })
    t.equal(fresh.statusCode, 200, 'a matching If-Match proceeds')
    t.equal(fresh.json().customer_id, customer.customerId, 'back to customer with the same profile')

    const demotedStaff = await put(staff.id, { role: 'customer' }, headers)
    t.equal(demotedStaff.statusCode, 200)
    const profileId = demotedStaff.json().customer_id
    t.type(profileId, 'string', 'a new customer gets a profile')
    const profile = await app.db.selectFrom('customers').select(['user_id', 'email']).where('id', '=', profileId).executeTakeFirstOrThrow()
    t.same(profile, { user_id: staff.id, email: staff.email })

    const self = await put(admin.id, { role: 'staff' }, headers)
    t.equal(self.statusCode, 409)
    t.equal(self.json().code, 'CANNOT_DEMOTE_SELF')
    t.equal((await put(admin.id, { role: 'admin' }, headers)).statusCode, 200, 'confirming one\'s own role is a no-op')

    const unknown = await put(randomUUID(), { role: 'staff' }, headers)
    t.equal(unknown.statusCode, 404)
    t.equal(unknown.json().code, 'USER_NOT_FOUND')
    for (const [name, id, payload] of [
      ['id is not a uuid', 'not-a-uuid', { role: 'staff' }],
      ['unknown role', customer.id, { role: 'root' }],
      ['role is a number', customer.id, { role: 1 }],
      ['unknown field', customer.id, { role: 'staff', email: 'x@example.com' }],
      ['missing role', customer.id, {}]
    ] as const) {
      const res = await put(id, payload, headers)
      t.equal(res.statusCode, 400, name)
      t.equal(res.json().code, 'VALIDATION_FAILED', name)
    }
  })

  t.test('admins change the log level at run time', async (t) => {
    const app = await buildTestApp(t, { env: { LOG_LEVEL: 'info' } })
    const admin = await createUser(app, 'admin')
    const customer = await createUser(app, 'customer')
    const put = async (payload: unknown, headers: Record<string, string>) =>
      await app.inject({ method: 'PUT', url: '/api/admin/log-level', headers, payload: JSON.stringify(payload) })
    const json = { 'content-type': 'application/json' }

    const refused = await put({ level: 'debug' }, { ...customer.headers, ...json })
    t.equal(refused.statusCode, 403)
    t.equal(refused.json().code, 'FORBIDDEN')
    t.equal(app.log.level, 'info')

    const res = await put({ level: 'debug' }, { ...admin.headers, ...json })
    t.equal(res.statusCode, 200)
    t.same(res.json(), { level: 'debug' })
    t.equal(app.log.level, 'debug')

    for (const payload of [{ level: 'verbose' }, { level: 10 }, {}, { level: 'warn', scope: 'all' }]) {
      const bad = await put(payload, { ...admin.headers, ...json })
      t.equal(bad.statusCode, 400, JSON.stringify(payload))
    }
    t.equal(app.log.level, 'debug', 'refused requests change nothing')
  })
})
