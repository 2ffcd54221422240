import { suite } from '../../helpers/suite.js'
import { buildTestApp } from '../../helpers/app.js'
import { createUser } from '../../helpers/users.js'
import { seedCustomers, seedOrder } from './fixtures/customers.js'

export default suite(import.meta, (t) => {
  t.test('staff deletes a customer without orders: 204, row gone, owner account kept', async (t) => {
    const app = await buildTestApp(t)
    const staff = await createUser(app, 'staff')
    const customer = await createUser(app, 'customer')
    const res = await app.inject({ method: 'DELETE', url: `/api/customers/${customer.customerId ?? ''}`, headers: staff.headers })
    t.equal(res.statusCode, 204)
    t.equal(res.body, '')
    t.equal(await app.db.selectFrom('customers').select('id').where('id', '=', customer.customerId ?? '').executeTakeFirst(), undefined)
    t.ok(await app.db.selectFrom('users').select('id').where('id', '=', customer.id).executeTakeFirst())
    const again = await app.inject({ method: 'DELETE', url: `/api/customers/${customer.customerId ?? ''}`, headers: staff.headers })
    t.equal(again.statusCode, 404)
    t.equal(again.json().code, 'CUSTOMER_NOT_FOUND')
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
