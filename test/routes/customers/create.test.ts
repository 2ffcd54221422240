import { suite } from '../../helpers/suite.js'
import { buildTestApp } from '../../helpers/app.js'
import { createUser } from '../../helpers/users.js'
import { validCustomer } from './fixtures/customers.js'

export default suite(import.meta, (t) => {
  t.test('staff creates a profile: 201, Location, ETag, email trimmed and lowercased, no user link', async (t) => {
    const app = await buildTestApp(t)
    const staff = await createUser(app, 'staff')
    const res = await app.inject({
      method: 'POST',
      url: '/api/customers',
      headers: staff.headers,
      payload: { first_name: 'Ada', last_name: 'Lovelace', email: '  Ada.Lovelace@Example.COM ', phone: '+4915112345678' }
    })
    t.equal(res.statusCode, 201)
    const body = res.json()
    t.same(body, {
      id: body.id,
      user_id: null,
      first_name: 'Ada',
      last_name: 'Lovelace',
      email: 'ada.lovelace@example.com',
      phone: '+4915112345678',
      created_at: body.created_at,
      updated_at: body.updated_at
    })
    t.equal(res.headers.location, `/api/customers/${body.id}`)
    t.match(res.headers.etag, /^"[A-Za-z0-9_-]+"$/)
    const row = await app.db.selectFrom('customers').selectAll().where('id', '=', body.id).executeTakeFirstOrThrow()
    t.equal(row.email, 'ada.lovelace@example.com')
    t.equal(row.user_id, null)

    const get = await app.inject({ method: 'GET', url: `/api/customers/${body.id}`, headers: staff.headers })
    t.same(get.json(), body)
    t.equal(get.headers.etag, res.headers.etag)

    const admin = await createUser(app, 'admin')
    const noPhone = await app.inject({ method: 'POST', url: '/api/customers', headers: admin.headers, payload: { first_name: 'Grace', last_name: 'Hopper', email: 'grace@example.com' } })
    t.equal(noPhone.statusCode, 201)
    t.equal(noPhone.json().phone, null)
    const nullPhone = await app.inject({ method: 'POST', url: '/api/customers', headers: admin.headers, payload: validCustomer({ phone: null }) })
    t.equal(nullPhone.statusCode, 201)
    t.equal(nullPhone.json().phone, null)
  })

  t.test('a customer-role caller cannot create profiles (403)', async (t) => {
    const app = await buildTestApp(t)
    const customer = await createUser(app, 'customer')
    const res = await app.inject({ method: 'POST', url: '/api/customers', headers: customer.headers, payload: validCustomer() })
    t.equal(res.statusCode, 403)
    t.equal(res.json().code, 'FORBIDDEN')
    t.equal((await app.db.selectFrom('customers').select('id').execute()).length, 1)
  })

  t.test('email is unique among customers, case-insensitively: 409 CUSTOMER_EMAIL_TAKEN, race-safe', async (t) => {
    const app = await buildTestApp(t)
    const staff = await createUser(app, 'staff')
    const first = await app.inject({ method: 'POST', url: '/api/customers', headers: staff.headers, payload: validCustomer({ email: 'taken@example.com' }) })
    t.equal(first.statusCode, 201)
    const dup = await app.inject({ method: 'POST', url: '/api/customers', headers: staff.headers, payload: validCustomer({ email: ' TAKEN@example.com' }) })
    t.equal(dup.statusCode, 409)
    t.equal(dup.json().code, 'CUSTOMER_EMAIL_TAKEN')
    t.equal(dup.json().errors[0].pointer, '/email')

    const results = await Promise.all(Array.from({ length: 6 }, () =>
      app.inject({ method: 'POST', url: '/api/customers', headers: staff.headers, payload: validCustomer({ email: 'race@example.com' }) })))
    t.same(results.map((r) => r.statusCode).sort(), [201, 409, 409, 409, 409, 409])
    t.ok(results.filter((r) => r.statusCode === 409).every((r) => r.json().code === 'CUSTOMER_EMAIL_TAKEN'))
    t.equal((await app.db.selectFrom('customers').select('id').where('email', '=', 'race@example.com').execute()).length, 1)
  })
})
