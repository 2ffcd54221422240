import { randomUUID } from 'node:crypto'
import { suite } from '../../helpers/suite.js'
import { buildTestApp } from '../../helpers/app.js'
import { createUser } from '../../helpers/users.js'
import { validCustomer } from './fixtures/customers.js'

export default suite(import.meta, (t) => {
  t.test('every route needs a token (401 problem)', async (t) => {
    const app = await buildTestApp(t)
    const id = randomUUID()
    for (const call of [
      { method: 'GET' as const, url: '/api/customers' },
      { method: 'GET' as const, url: `/api/customers/${id}` },
      { method: 'POST' as const, url: '/api/customers', payload: validCustomer() },
      { method: 'PUT' as const, url: `/api/customers/${id}`, payload: validCustomer() },
      { method: 'PATCH' as const, url: `/api/customers/${id}`, payload: { first_name: 'X' } },
      { method: 'DELETE' as const, url: `/api/customers/${id}` }
    ]) {
      const res = await app.inject(call)
      t.equal(res.statusCode, 401, `${call.method} ${call.url}`)
      t.equal(res.json().code, 'TOKEN_MISSING')
    }
    t.equal((await app.db.selectFrom('customers').select('id').execute()).length, 0)
  })

  t.test('a customer sees and edits only its own profile; anyone else\'s is 404', async (t) => {
    const app = await buildTestApp(t)
    const alice = await createUser(app, 'customer')
    const bob = await createUser(app, 'customer')
    const aliceId = alice.customerId ?? ''
    const bobId = bob.customerId ?? ''
    const bobBefore = await app.db.selectFrom('customers').selectAll().where('id', '=', bobId).executeTakeFirstOrThrow()

    const list = await app.inject({ method: 'GET', url: '/api/customers', headers: alice.headers })
    t.equal(list.statusCode, 200)
    t.same(list.json().data.map((c: { id: string }) => c.id), [aliceId], 'a one-element page')
    t.equal(list.json().next_cursor, null)
    t.equal(list.json().data[0].user_id, alice.id)

    const own = await app.inject({ method: 'GET', url: `/api/customers/${aliceId}`, headers: alice.headers })
    t.equal(own.statusCode, 200)
    t.equal(own.json().email, alice.email)

    const other = await app.inject({ method: 'GET', url: `/api/customers/${bobId}`, headers: alice.headers })
    t.equal(other.statusCode, 404)
    t.equal(other.json().code, 'CUSTOMER_NOT_FOUND')
    const unknown = await app.inject({ method: 'GET', url: `/api/customers/${randomUUID()}`, headers: alice.headers })
    t.same({ ...unknown.json(), instance: '', request_id: '' }, { ...other.json(), instance: '', request_id: '' }, 'indistinguishable from a missing id')

    const put = await app.inject({ method: 'PUT', url: `/api/customers/${bobId}`, headers: alice.headers, payload: validCustomer() })
    t.equal(put.statusCode, 404)
    const patch = await app.inject({ method: 'PATCH', url: `/api/customers/${bobId}`, headers: alice.headers, payload: { first_name: 'Hacked' } })
    t.equal(patch.statusCode, 404)
    t.equal(patch.json().code, 'CUSTOMER_NOT_FOUND')
    for (const id of [bobId, aliceId]) {
      const del = await app.inject({ method: 'DELETE', url: `/api/customers/${id}`, headers: alice.headers })
      t.equal(del.statusCode, 403, 'customers never delete profiles')
      t.equal(del.json().code, 'FORBIDDEN')
    }
    t.same(await app.db.selectFrom('customers').selectAll().where('id', '=', bobId).executeTakeFirstOrThrow(), bobBefore)
    t.equal((await app.db.selectFrom('customers').select('id').execute()).length, 2)

    const mine = await app.inject({ method: 'PATCH', url: `/api/customers/${aliceId}`, headers: alice.headers, payload: { first_name: 'Alice', phone: '+15551234567' } })
    t.equal(mine.statusCode, 200)
    t.match(mine.json(), { id: aliceId, user_id: alice.id, first_name: 'Alice', phone: '+15551234567' })
    const replaced = await app.inject({ method: 'PUT', url: `/api/customers/${aliceId}`, headers: alice.headers, payload: { first_name: 'Al', last_name: 'Ice', email: alice.email } })
    t.equal(replaced.statusCode, 200)
    t.match(replaced.json(), { user_id: alice.id, first_name: 'Al', last_name: 'Ice', email: alice.email, phone: null })
  })
})
