import { suite } from '../../helpers/suite.js'
import { buildTestApp } from '../../helpers/app.js'
import { createUser } from '../../helpers/users.js'
import { seedCustomers, seedOrder } from './fixtures/customers.js'

export default suite(import.meta, (t) => {
  t.test('staff deletes a customer without orders or account: 204, row gone', async (t) => {
    const app = await buildTestApp(t)
    const staff = await createUser(app, 'staff')
    const [profile] = await seedCustomers(app, [{ first_name: 'Walk', last_name: 'In' }])
    const url = `/api/customers/${profile?.id ?? ''}`
    const res = await app.inject({ method: 'DELETE', url, headers: staff.headers })
    t.equal(res.statusCode, 204)
    t.equal(res.body, '')
    t.equal(await app.db.selectFrom('customers').select('id').where('id', '=', profile?.id ?? '').executeTakeFirst(), undefined)
    const again = await app.inject({ method: 'DELETE', url, headers: staff.headers })
    t.equal(again.statusCode, 404)
    t.equal(again.json().code, 'CUSTOMER_NOT_FOUND')
  })

  t.test('the one profile of a customer account cannot be deleted (409 CUSTOMER_HAS_ACCOUNT) until the account is no longer a customer', async (t) => {
    const app = await buildTestApp(t)
    const admin = await createUser(app, 'admin')
    const customer = await createUser(app, 'customer')
    const url = `/api/customers/${customer.customerId ?? ''}`
    const refused = await app.inject({ method: 'DELETE', url, headers: admin.headers })
    t.equal(refused.statusCode, 409)
    t.match(refused.json(), { code: 'CUSTOMER_HAS_ACCOUNT', detail: /change the account's role/ })
    const me = await app.inject({ method: 'GET', url: '/auth/me', headers: customer.headers })
    t.equal(me.json().customer_id, customer.customerId, 'the account keeps its profile')
    t.equal((await app.db.selectFrom('audit_events').select('id').where('action', '=', 'customer.deleted').execute()).length, 0, 'nothing audited')

    const promoted = await app.inject({ method: 'PUT', url: `/api/users/${customer.id}/role`, headers: admin.headers, payload: { role: 'staff' } })
    t.equal(promoted.statusCode, 200)
    const deleted = await app.inject({ method: 'DELETE', url, headers: admin.headers })
    t.equal(deleted.statusCode, 204, 'a staff account\'s former profile can go')
    t.ok(await app.db.selectFrom('users').select('id').where('id', '=', customer.id).executeTakeFirst(), 'the account is kept')
  })

  t.test('a customer with orders cannot be deleted: 409 CUSTOMER_HAS_ORDERS, history intact', async (t) => {
    const app = await buildTestApp(t)
    const admin = await createUser(app, 'admin')
    const [profile] = await seedCustomers(app, [{ first_name: 'Has', last_name: 'Orders' }])
    const customerId = profile?.id ?? ''
    const orderId = await seedOrder(app, customerId)

    const res = await app.inject({ method: 'DELETE', url: `/api/customers/${customerId}`, headers: admin.headers })
    t.equal(res.statusCode, 409)
    t.equal(res.json().code, 'CUSTOMER_HAS_ORDERS')
    t.ok(await app.db.selectFrom('customers').select('id').where('id', '=', customerId).executeTakeFirst())
    const order = await app.db.selectFrom('orders').select('customer_id').where('id', '=', orderId).executeTakeFirstOrThrow()
    t.equal(order.customer_id, customerId)
  })
})
