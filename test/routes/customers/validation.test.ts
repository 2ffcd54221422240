import { randomUUID } from 'node:crypto'
import { suite } from '../../helpers/suite.js'
import { buildTestApp } from '../../helpers/app.js'
import { createUser } from '../../helpers/users.js'
import { validCustomer } from './fixtures/customers.js'

export default suite(import.meta, (t) => {
  t.test('validation: missing, blank, too long, bad email and phone, wrong types, unknown fields -> 400', async (t) => {
    const app = await buildTestApp(t)
    const staff = await createUser(app, 'staff')
    const cases: Array<[string, Record<string, unknown>, string]> = [
      ['missing first_name', { last_name: 'L', email: 'a@example.com' }, '/first_name'],
      ['missing last_name', { first_name: 'F', email: 'a@example.com' }, '/last_name'],
      ['missing email', { first_name: 'F', last_name: 'L' }, '/email'],
      ['empty first_name', validCustomer({ first_name: '' }), '/first_name'],
      ['blank last_name', validCustomer({ last_name: '   ' }), '/last_name'],
      ['invisible first_name (zero-width space)', validCustomer({ first_name: '\u200b' }), '/first_name'],
      ['invisible last_name (word joiner, soft hyphen, Braille blank)', validCustomer({ last_name: '\u2060\u00ad\u2800' }), '/last_name'],
      ['long first_name', validCustomer({ first_name: 'x'.repeat(101) }), '/first_name'],
      ['name as number', validCustomer({ first_name: 42 }), '/first_name'],
      ['email without @', validCustomer({ email: 'not-an-email' }), '/email'],
      ['email with space inside', validCustomer({ email: 'a b@example.com' }), '/email'],
      ['email as number', validCustomer({ email: 42 }), '/email'],
      ['phone with leading 0', validCustomer({ phone: '0151123456' }), '/phone'],
      ['phone too short', validCustomer({ phone: '+12345' }), '/phone'],
      ['phone too long', validCustomer({ phone: '+1234567890123456' }), '/phone'],
      ['phone with spaces', validCustomer({ phone: '+49 151 1234567' }), '/phone'],
      ['phone as number', validCustomer({ phone: 4915112345678 }), '/phone'],
      ['unknown field', validCustomer({ nickname: 'ada' }), '/nickname']
    ]
    for (const [label, payload, pointer] of cases) {
      const res = await app.inject({ method: 'POST', url: '/api/customers', headers: staff.headers, payload })
      t.equal(res.statusCode, 400, label)
      t.equal(res.json().code, 'VALIDATION_FAILED', label)
      t.ok(res.json().errors.some((e: { pointer: string }) => e.pointer.startsWith(pointer)), `${label} points at ${pointer}`)
    }
    const edge = await app.inject({ method: 'POST', url: '/api/customers', headers: staff.headers, payload: validCustomer({ first_name: 'x'.repeat(100), phone: '1234567' }) })
    t.equal(edge.statusCode, 201, '100 chars and a 7-digit phone without + are fine')
    t.equal((await app.db.selectFrom('customers').select('id').execute()).length, 1)
  })

  t.test('mass assignment: id, user_id, timestamps and role are rejected and change nothing', async (t) => {
    const app = await buildTestApp(t)
    const staff = await createUser(app, 'staff')
    const customer = await createUser(app, 'customer')
    const own = customer.customerId ?? ''
    const before = await app.db.selectFrom('customers').selectAll().where('id', '=', own).executeTakeFirstOrThrow()
    const forged = {
      id: randomUUID(),
      user_id: staff.id,
      created_at: '2000-01-01T00:00:00.000Z',
      updated_at: '2000-01-01T00:00:00.000Z',
      role: 'admin'
    }
    for (const [field, value] of Object.entries(forged)) {
      const create = await app.inject({ method: 'POST', url: '/api/customers', headers: staff.headers, payload: validCustomer({ [field]: value }) })
      t.equal(create.statusCode, 400, `POST with ${field}`)
      t.ok(create.json().errors.some((e: { pointer: string }) => e.pointer === `/${field}`))
      for (const user of [staff, customer]) {
        const put = await app.inject({ method: 'PUT', url: `/api/customers/${own}`, headers: user.headers, payload: validCustomer({ [field]: value }) })
        t.equal(put.statusCode, 400, `PUT with ${field} as ${user.role}`)
        const patch = await app.inject({ method: 'PATCH', url: `/api/customers/${own}`, headers: user.headers, payload: { [field]: value } })
        t.equal(patch.statusCode, 400, `PATCH with ${field} as ${user.role}`)
      }
    }
    const after = await app.db.selectFrom('customers').selectAll().where('id', '=', own).executeTakeFirstOrThrow()
    t.same(after, before)
    t.equal((await app.db.selectFrom('customers').select('id').execute()).length, 1)
    const role = await app.db.selectFrom('users').select('role').where('id', '=', customer.id).executeTakeFirstOrThrow()
    t.equal(role.role, 'customer')
  })
})
