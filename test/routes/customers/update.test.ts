import { suite } from '../../helpers/suite.js'
import { buildTestApp } from '../../helpers/app.js'
import { createUser } from '../../helpers/users.js'
import { validCustomer } from './fixtures/customers.js'

export default suite(import.meta, (t) => {
  t.test('PUT replaces the profile (omitted phone -> null); PATCH changes only what it names', async (t) => {
    const app = await buildTestApp(t)
    const staff = await createUser(app, 'staff')
    const created = await app.inject({ method: 'POST', url: '/api/customers', headers: staff.headers, payload: validCustomer({ email: 'old@example.com', phone: '+4915112345678' }) })
    const { id, created_at: createdAt } = created.json()
    const url = `/api/customers/${id}`

    const put = await app.inject({ method: 'PUT', url, headers: staff.headers, payload: { first_name: 'Grace', last_name: 'Hopper', email: 'Grace@Example.com ' } })
    t.equal(put.statusCode, 200)
    t.match(put.json(), { id, user_id: null, first_name: 'Grace', last_name: 'Hopper', email: 'grace@example.com', phone: null, created_at: createdAt })
    t.not(put.headers.etag, created.headers.etag)

    const patch = await app.inject({ method: 'PATCH', url, headers: staff.headers, payload: { phone: '+15551234567' } })
    t.equal(patch.statusCode, 200)
    t.match(patch.json(), { first_name: 'Grace', last_name: 'Hopper', email: 'grace@example.com', phone: '+15551234567' })
    const clear = await app.inject({ method: 'PATCH', url, headers: staff.headers, payload: { phone: null } })
    t.equal(clear.json().phone, null)

    const row = await app.db.selectFrom('customers').selectAll().where('id', '=', id).executeTakeFirstOrThrow()
    t.match(row, { first_name: 'Grace', last_name: 'Hopper', email: 'grace@example.com', phone: null, user_id: null })

    for (const [label, method, payload] of [
      ['PUT missing email', 'PUT', { first_name: 'A', last_name: 'B' }],
      ['empty PATCH', 'PATCH', {}],
      ['PATCH blank name', 'PATCH', { first_name: ' ' }],
      ['PATCH bad email', 'PATCH', { email: 'nope' }],
      ['PATCH name null', 'PATCH', { last_name: null }]
    ] as const) {
      const res = await app.inject({ method, url, headers: staff.headers, payload })
      t.equal(res.statusCode, 400, label)
      t.equal(res.json().code, 'VALIDATION_FAILED', label)
    }
    t.same(await app.db.selectFrom('customers').selectAll().where('id', '=', id).executeTakeFirstOrThrow(), row)
  })

  t.test('changing to a taken email -> 409 CUSTOMER_EMAIL_TAKEN and nothing changes', async (t) => {
    const app = await buildTestApp(t)
    const staff = await createUser(app, 'staff')
    const customer = await createUser(app, 'customer')
    const other = await createUser(app, 'customer')
    const own = `/api/customers/${customer.customerId ?? ''}`
    const patch = await app.inject({ method: 'PATCH', url: own, headers: staff.headers, payload: { email: other.email.toUpperCase() } })
    t.equal(patch.statusCode, 409)
    t.equal(patch.json().code, 'CUSTOMER_EMAIL_TAKEN')
    const put = await app.inject({ method: 'PUT', url: own, headers: staff.headers, payload: validCustomer({ email: other.email }) })
    t.equal(put.statusCode, 409)
    const row = await app.db.selectFrom('customers').select('email').where('id', '=', customer.customerId ?? '').executeTakeFirstOrThrow()
    t.equal(row.email, customer.email)
    const same = await app.inject({ method: 'PATCH', url: own, headers: customer.headers, payload: { email: customer.email } })
    t.equal(same.statusCode, 200, 'keeping its own email is no conflict')
  })

  t.test('a customer keeps its profile\'s email (the sign-up address): no claiming another\'s, staff change it', async (t) => {
    const app = await buildTestApp(t)
    const staff = await createUser(app, 'staff')
    const squatter = await createUser(app, 'customer')
    const own = `/api/customers/${squatter.customerId ?? ''}`
    for (const [method, payload] of [['PATCH', { email: 'victim@example.com' }], ['PUT', validCustomer({ email: 'victim@example.com' })]] as const) {
      const res = await app.inject({ method, url: own, headers: squatter.headers, payload })
      t.equal(res.statusCode, 403, `${method}: refused`)
      t.match(res.json(), { code: 'FORBIDDEN', errors: [{ pointer: '/email', in: 'body' }] })
    }
    const register = await app.inject({ method: 'POST', url: '/register', payload: { email: 'victim@example.com', password: 'a sturdy passphrase 7' } })
    t.equal(register.statusCode, 201, 'the address\'s owner can still sign up')
    const kept = await app.inject({ method: 'PUT', url: own, headers: squatter.headers, payload: validCustomer({ email: squatter.email.toUpperCase(), first_name: 'Kept' }) })
    t.equal(kept.statusCode, 200, 'a PUT that keeps the email (any case) proceeds')
    const byStaff = await app.inject({ method: 'PATCH', url: own, headers: staff.headers, payload: { email: 'new.address@example.com' } })
    t.equal(byStaff.statusCode, 200, 'staff change it')
    t.equal(byStaff.json().email, 'new.address@example.com')
  })

  t.test('If-Match on PUT, PATCH and DELETE: stale -> 412, current or absent proceeds', async (t) => {
    const app = await buildTestApp(t)
    const staff = await createUser(app, 'staff')
    const customer = await createUser(app, 'customer')
    const url = `/api/customers/${customer.customerId ?? ''}`
    const read = await app.inject({ method: 'GET', url, headers: customer.headers })
    const stale = String(read.headers.etag)

    const first = await app.inject({ method: 'PATCH', url, headers: { ...customer.headers, 'if-match': stale }, payload: { first_name: 'One' } })
    t.equal(first.statusCode, 200)
    for (const call of [
      { method: 'PATCH' as const, payload: { first_name: 'Two' }, headers: customer.headers },
      { method: 'PUT' as const, payload: validCustomer({ first_name: 'Two' }), headers: customer.headers },
      { method: 'DELETE' as const, headers: staff.headers }
    ]) {
      const res = await app.inject({ ...call, url, headers: { ...call.headers, 'if-match': stale } })
      t.equal(res.statusCode, 412, `${call.method} with a stale ETag`)
      t.equal(res.json().code, 'PRECONDITION_FAILED')
    }
    const row = await app.db.selectFrom('customers').select('first_name').where('id', '=', customer.customerId ?? '').executeTakeFirstOrThrow()
    t.equal(row.first_name, 'One')

    const [a, b] = await Promise.all(['A', 'B'].map(async (name) =>
      await app.inject({ method: 'PATCH', url, headers: { ...staff.headers, 'if-match': String(first.headers.etag) }, payload: { first_name: name } })))
    t.same([a?.statusCode, b?.statusCode].sort(), [200, 412], 'one of two concurrent writers with the same ETag wins')

    const current = await app.inject({ method: 'GET', url, headers: staff.headers })
    const plain = await app.inject({ method: 'PATCH', url, headers: staff.headers, payload: { first_name: 'NoHeader' } })
    t.equal(plain.statusCode, 200)
    const del = await app.inject({ method: 'DELETE', url, headers: { ...staff.headers, 'if-match': String(current.headers.etag) } })
    t.equal(del.statusCode, 412, 'the ETag read before the last write is stale')
    // A customer account's own profile cannot be deleted (CUSTOMER_HAS_ACCOUNT): make the account staff first.
    const admin = await createUser(app, 'admin')
    t.equal((await app.inject({ method: 'PUT', url: `/api/users/${customer.id}/role`, headers: admin.headers, payload: { role: 'staff' } })).statusCode, 200)
    const fresh = await app.inject({ method: 'DELETE', url, headers: { ...staff.headers, 'if-match': String(plain.headers.etag) } })
    t.equal(fresh.statusCode, 204)
  })
})
