import { randomUUID } from 'node:crypto'
import { suite } from '../../helpers/suite.js'
import { buildTestApp } from '../../helpers/app.js'
import { createUser } from '../../helpers/users.js'
import { validCustomer } from './fixtures/customers.js'

export default suite(import.meta, (t) => {
  t.test('staff and admin see and manage every profile', async (t) => {
    const app = await buildTestApp(t)
    const customer = await createUser(app, 'customer')
    for (const role of ['staff', 'admin'] as const) {
      const user = await createUser(app, role)
      const list = await app.inject({ method: 'GET', url: '/api/customers', headers: user.headers })
      t.ok(list.json().data.some((c: { id: string }) => c.id === customer.customerId), `${role} lists others`)
      const get = await app.inject({ method: 'GET', url: `/api/customers/${customer.customerId ?? ''}`, headers: user.headers })
      t.equal(get.statusCode, 200)
      const patch = await app.inject({ method: 'PATCH', url: `/api/customers/${customer.customerId ?? ''}`, headers: user.headers, payload: { last_name: role } })
      t.equal(patch.statusCode, 200)
      t.equal(patch.json().last_name, role)
      t.equal(patch.json().user_id, customer.id, 'the owner link is untouched')
    }
  })

  t.test('non-UUID ids are 400, unknown ids 404', async (t) => {
    const app = await buildTestApp(t)
    const staff = await createUser(app, 'staff')
    for (const call of [
      { method: 'GET' as const },
      { method: 'PUT' as const, payload: validCustomer() },
      { method: 'PATCH' as const, payload: { first_name: 'X' } },
      { method: 'DELETE' as const }
    ]) {
      const bad = await app.inject({ ...call, url: '/api/customers/123', headers: staff.headers })
      t.equal(bad.statusCode, 400, `${call.method} non-uuid`)
      t.equal(bad.json().errors[0].pointer, '/id')
      const missing = await app.inject({ ...call, url: `/api/customers/${randomUUID()}`, headers: staff.headers })
      t.equal(missing.statusCode, 404, `${call.method} unknown`)
      t.equal(missing.json().code, 'CUSTOMER_NOT_FOUND')
    }
  })
})
