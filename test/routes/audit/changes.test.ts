import { suite } from '../../helpers/suite.js'
import { buildTestApp } from '../../helpers/app.js'
import { createUser } from '../../helpers/users.js'
import { auditRowCount, auditRowsOf, caller } from './fixtures.js'

const REDACTED = '[redacted]'

export default suite(import.meta, (t) => {
  t.test('each change made through the API is recorded once, with its actor, changed fields and request id', async (t) => {
    // No webhook worker: the endpoint registered below must not be called.
    const app = await buildTestApp(t, { env: { WEBHOOK_WORKER: 'false' } })
    const admin = await createUser(app, 'admin')
    const staff = await createUser(app, 'staff')
    const customer = await createUser(app, 'customer')
    const asAdmin = caller(app, admin)
    const asStaff = caller(app, staff)
    const asCustomer = caller(app, customer)
    const by = (user: { id: string }) => ({ actor_type: 'user', actor_id: user.id })

    // Refusals first: nothing is written, so nothing is recorded.
    t.equal((await asStaff('POST', '/api/products', 'bad-product', { sku: 'X', name: ' ', price_cents: -1, stock: 1 })).statusCode, 400)
    t.equal((await asCustomer('POST', '/api/products', 'forbidden-product', { sku: 'X', name: 'X', price_cents: 1, stock: 1 })).statusCode, 403)
    t.equal(await auditRowCount(app), 0, 'refused requests leave no audit row')

    // Products.
    const created = await asStaff('POST', '/api/products', 'req-product-create', { sku: 'AUD-1', name: 'Mug', price_cents: 1999, stock: 5 })
    t.equal(created.statusCode, 201)
    const productId: string = created.json().id
    t.same(await auditRowsOf(app, productId), [{
      ...by(staff),
      action: 'product.created',
      resource_type: 'product',
      resource_id: productId,
      changes: { sku: [null, 'AUD-1'], name: [null, 'Mug'], description: [null, ''], price_cents: [null, 1999], stock: [null, 5] },
      request_id: 'req-product-create'
    }])

    t.equal((await asStaff('PATCH', `/api/products/${productId}`, 'req-price', { price_cents: 2499 })).statusCode, 200)
    t.equal((await asStaff('PATCH', `/api/products/${productId}`, 'req-same-price', { price_cents: 2499 })).statusCode, 200)
    t.equal((await asStaff('PUT', `/api/products/${productId}`, 'req-replace', { sku: 'AUD-1', name: 'Big mug', price_cents: 2499, stock: 7 })).statusCode, 200)
    const other = await asStaff('POST', '/api/products', 'req-other', { sku: 'AUD-2', name: 'Plate', price_cents: 500, stock: 2 })
    t.equal((await asStaff('PATCH', `/api/products/${productId}`, 'req-sku-taken', { sku: 'AUD-2', name: 'Renamed' })).statusCode, 409)
    const productRows = await auditRowsOf(app, productId)
    t.same(productRows.slice(1).map((r) => [r.action, r.changes, r.request_id]), [
      ['product.updated', { price_cents: [1999, 2499] }, 'req-price'],
      ['product.updated', { name: ['Mug', 'Big mug'], stock: [5, 7] }, 'req-replace']
    ], 'only the fields that changed; a no-op PATCH and a rolled-back one (409) record nothing')

    // Orders: creation (in the order statement itself) and status changes.
    const order = await asCustomer('POST', '/api/orders', 'req-order', { items: [{ product_id: productId, quantity: 2 }] })
    t.equal(order.statusCode, 201)
    const orderId: string = order.json().id
    t.equal((await asCustomer('POST', '/api/orders', 'req-short', { items: [{ product_id: productId, quantity: 99 }] })).statusCode, 409)
    t.equal((await asStaff('POST', `/api/orders/${orderId}/transitions`, 'req-pay', { status: 'paid' })).statusCode, 200)
    t.equal((await asStaff('POST', `/api/orders/${orderId}/transitions`, 'req-illegal', { status: 'pending' })).statusCode, 409)
    t.same(await auditRowsOf(app, orderId), [
      { ...by(customer), action: 'order.created', resource_type: 'order', resource_id: orderId, changes: { customer_id: [null, customer.customerId], status: [null, 'pending'], currency: [null, 'EUR'], total_cents: [null, 4998] }, request_id: 'req-order' },
      { ...by(staff), action: 'order.status_changed', resource_type: 'order', resource_id: orderId, changes: { status: ['pending', 'paid'] }, request_id: 'req-pay' }
    ])
    t.equal(await app.db.selectFrom('audit_events').select('id').where('action', '=', 'order.created').execute().then((rows) => rows.length), 1, 'the refused order (409) recorded nothing')

    // Removing products: archived when ordered, deleted otherwise.
    t.equal((await asStaff('DELETE', `/api/products/${productId}`, 'req-archive')).statusCode, 204)
    const otherId: string = other.json().id
    t.equal((await asAdmin('DELETE', `/api/products/${otherId}`, 'req-delete')).statusCode, 204)
    t.same((await auditRowsOf(app, productId)).at(-1), { ...by(staff), action: 'product.archived', resource_type: 'product', resource_id: productId, changes: { archived: [false, true] }, request_id: 'req-archive' })
    t.same((await auditRowsOf(app, otherId)).map((r) => [r.action, r.actor_id, r.changes]), [
      ['product.created', staff.id, { sku: [null, 'AUD-2'], name: [null, 'Plate'], description: [null, ''], price_cents: [null, 500], stock: [null, 2] }],
      ['product.deleted', admin.id, { sku: ['AUD-2', null], name: ['Plate', null], description: ['', null], price_cents: [500, null], stock: [2, null] }]
    ])

    // Customers: created by staff, edited by its owner, deleted; one with orders cannot be (409, nothing recorded).
    const profile = await asStaff('POST', '/api/customers', 'req-customer', { first_name: 'Ada', last_name: 'Lovelace', email: 'ada@example.com' })
    t.equal(profile.statusCode, 201)
    const profileId: string = profile.json().id
    t.equal((await asStaff('PATCH', `/api/customers/${profileId}`, 'req-customer-phone', { phone: '+441234567890' })).statusCode, 200)
    t.equal((await asStaff('DELETE', `/api/customers/${profileId}`, 'req-customer-delete')).statusCode, 204)
    t.same((await auditRowsOf(app, profileId)).map((r) => [r.action, r.actor_id, r.changes, r.request_id]), [
      ['customer.created', staff.id, { first_name: [null, 'Ada'], last_name: [null, 'Lovelace'], email: [null, 'ada@example.com'] }, 'req-customer'],
      ['customer.updated', staff.id, { phone: [null, '+441234567890'] }, 'req-customer-phone'],
      ['customer.deleted', staff.id, { first_name: ['Ada', null], last_name: ['Lovelace', null], email: ['ada@example.com', null], phone: ['+441234567890', null] }, 'req-customer-delete']
    ])
    const ownId = customer.customerId ?? ''
    t.equal((await asCustomer('PATCH', `/api/customers/${ownId}`, 'req-own', { last_name: 'Hopper' })).statusCode, 200)
    t.equal((await asStaff('DELETE', `/api/customers/${ownId}`, 'req-has-orders')).statusCode, 409)
    t.same((await auditRowsOf(app, ownId)).map((r) => [r.action, r.actor_id, r.changes]), [
      ['customer.updated', customer.id, { last_name: ['Customer', 'Hopper'] }]
    ], 'a customer editing its own profile is the actor; the refused delete recorded nothing')

    // Roles.
    t.equal((await asAdmin('PUT', `/api/users/${staff.id}/role`, 'req-role', { role: 'customer' })).statusCode, 200)
    const [roleRow, ...moreRoleRows] = await auditRowsOf(app, staff.id)
    t.same(moreRoleRows, [])
    t.match(roleRow, { ...by(admin), action: 'user.role_changed', resource_type: 'user', changes: { role: ['staff', 'customer'], customer_id: [null, String] }, request_id: 'req-role' })
    t.same(Object.keys(roleRow?.changes ?? {}).sort(), ['customer_id', 'role'])
    const madeProfileId = String(roleRow?.changes.customer_id?.[1])
    t.same((await auditRowsOf(app, madeProfileId)).map((r) => [r.action, r.actor_id, r.request_id, Object.keys(r.changes).sort()]), [
      ['customer.created', admin.id, 'req-role', ['email', 'first_name', 'last_name', 'user_id']]
    ], 'the profile a new customer gets is recorded too, in the same request')
    t.equal((await asAdmin('PUT', `/api/users/${admin.id}/role`, 'req-demote-self', { role: 'staff' })).statusCode, 409)
    t.same(await auditRowsOf(app, admin.id), [], 'a refused role change recorded nothing')

    // Webhook endpoints: the secret is recorded as set or changed, never by value.
    const hook = await asAdmin('POST', '/api/webhooks', 'req-hook', { url: 'https://erp.example.com/hooks', events: ['order.created'] })
    t.equal(hook.statusCode, 201)
    const hookId: string = hook.json().id
    const secrets: string[] = [hook.json().secret]
    t.equal((await asAdmin('PATCH', `/api/webhooks/${hookId}`, 'req-hook-off', { enabled: false, description: 'paused' })).statusCode, 200)
    const rotated = await asAdmin('POST', `/api/webhooks/${hookId}/rotate-secret`, 'req-rotate')
    t.equal(rotated.statusCode, 200)
    secrets.push(rotated.json().secret)
    t.equal((await asAdmin('DELETE', `/api/webhooks/${hookId}`, 'req-hook-delete')).statusCode, 204)
    t.same((await auditRowsOf(app, hookId)).map((r) => [r.action, r.actor_id, r.changes, r.request_id]), [
      ['webhook_endpoint.created', admin.id, { url: [null, 'https://erp.example.com/hooks'], events: [null, ['order.created']], description: [null, ''], enabled: [null, true], secret: [null, REDACTED] }, 'req-hook'],
      ['webhook_endpoint.updated', admin.id, { description: ['', 'paused'], enabled: [true, false] }, 'req-hook-off'],
      ['webhook_endpoint.secret_rotated', admin.id, { secret: [REDACTED, REDACTED] }, 'req-rotate'],
      ['webhook_endpoint.deleted', admin.id, { url: ['https://erp.example.com/hooks', null], events: [['order.created'], null], description: ['paused', null], enabled: [false, null] }, 'req-hook-delete']
    ])

    // Secrets never appear anywhere in the log.
    const everything = JSON.stringify(await app.db.selectFrom('audit_events').selectAll().execute())
    for (const secret of secrets) t.notOk(everything.includes(secret), 'no webhook secret is stored')
    t.notOk(everything.includes('whsec_'), 'nothing that looks like a webhook secret')
    t.notOk(everything.includes('$argon2'), 'no password hash')
    t.notOk(everything.includes(admin.token), 'no access token')
    // Registration: the new account is the actor of its own profile's creation.
    const refused = await app.inject({ method: 'POST', url: '/register', headers: { 'x-request-id': 'req-register-weak' }, payload: { email: 'grace@example.com', password: 'password' } })
    t.equal(refused.statusCode, 400)
    const registered = await app.inject({ method: 'POST', url: '/register', headers: { 'x-request-id': 'req-register' }, payload: { email: 'grace@example.com', password: 'Audit-trail-99!', first_name: 'Grace' } })
    t.equal(registered.statusCode, 201)
    const account = registered.json()
    t.same(await auditRowsOf(app, account.customer_id), [{
      actor_type: 'user',
      actor_id: account.id,
      action: 'customer.created',
      resource_type: 'customer',
      resource_id: account.customer_id,
      changes: { user_id: [null, account.id], email: [null, 'grace@example.com'], first_name: [null, 'Grace'], last_name: [null, '-'] },
      request_id: 'req-register'
    }], 'a refused registration recorded nothing')
    t.equal(await auditRowCount(app), 19, 'one row per change, no more')
  })

  t.test('a product batch records each product it creates or changes, in its transaction', async (t) => {
    const app = await buildTestApp(t, { env: { WEBHOOK_WORKER: 'false' } })
    const staff = await createUser(app, 'staff')
    const asStaff = caller(app, staff)
    const existing = await asStaff('POST', '/api/products', 'req-existing', { sku: 'AUD-B0', name: 'Cup', price_cents: 300, stock: 4 })
    const same = await asStaff('POST', '/api/products', 'req-same', { sku: 'AUD-B2', name: 'Bowl', price_cents: 700, stock: 1 })
    const existingId: string = existing.json().id
    const sameId: string = same.json().id
    const before = await auditRowCount(app)

    // Refused first: an all_or_nothing batch with a bad item writes nothing, so it records nothing.
    const refused = await asStaff('POST', '/api/products/batch', 'req-refused', {
      mode: 'all_or_nothing',
      items: [{ sku: 'AUD-B0', name: 'Changed cup', price_cents: 350, stock: 0 }, { sku: 'AUD-BAD', name: 'Bad', price_cents: -1, stock: 1 }]
    })
    t.equal(refused.statusCode, 409)
    t.equal(await auditRowCount(app), before, 'a rejected batch leaves no audit row')

    const batch = await asStaff('POST', '/api/products/batch', 'req-batch', {
      mode: 'per_item',
      items: [
        { sku: 'AUD-B1', name: 'Saucer', price_cents: 250, stock: 9 },
        { sku: 'AUD-B0', name: 'Cup', price_cents: 350, stock: 0 },
        { sku: 'AUD-B2', name: 'Bowl', price_cents: 700, stock: 1 },
        { sku: 'AUD-BAD', name: 'Bad', price_cents: -1, stock: 1 }
      ]
    })
    t.equal(batch.statusCode, 200)
    t.same(batch.json().results.map((r: { status: number }) => r.status), [201, 200, 200, 400])
    const createdId: string = batch.json().results[0].product.id

    t.same(await auditRowsOf(app, createdId), [{
      actor_type: 'user',
      actor_id: staff.id,
      action: 'product.created',
      resource_type: 'product',
      resource_id: createdId,
      changes: { sku: [null, 'AUD-B1'], name: [null, 'Saucer'], description: [null, ''], price_cents: [null, 250], stock: [null, 9] },
      request_id: 'req-batch'
    }], 'a created product: every field from null')
    t.same((await auditRowsOf(app, existingId)).slice(1).map((r) => [r.action, r.actor_id, r.changes, r.request_id]), [
      ['product.updated', staff.id, { price_cents: [300, 350], stock: [4, 0] }, 'req-batch']
    ], 'a replaced product: only the fields that changed')
    t.equal((await auditRowsOf(app, sameId)).length, 1, 'an item equal to its product changes nothing and records nothing')
    t.equal(await auditRowCount(app), before + 2, 'nothing for the refused item')
  })
})
