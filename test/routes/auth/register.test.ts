import { suite } from '../../helpers/suite.js'
import { buildTestApp } from '../../helpers/app.js'
import { login, PASSWORD, register } from '../../helpers/auth-flow.js'

async function counts (app: Awaited<ReturnType<typeof buildTestApp>>): Promise<{ users: number, customers: number }> {
  const users = await app.db.selectFrom('users').select(({ fn }) => fn.countAll<number>().as('n')).executeTakeFirstOrThrow()
  const customers = await app.db.selectFrom('customers').select(({ fn }) => fn.countAll<number>().as('n')).executeTakeFirstOrThrow()
  return { users: Number(users.n), customers: Number(customers.n) }
}

export default suite(import.meta, (t) => {
  t.test('registration creates a customer account and its profile', async (t) => {
    const app = await buildTestApp(t)
    const res = await register(app, { email: '  Jane.Doe@Example.COM ', password: PASSWORD, first_name: ' Jane ', last_name: 'Doe' })
    t.equal(res.statusCode, 201)
    const body = res.json()
    t.same(Object.keys(body).sort(), ['created_at', 'customer_id', 'email', 'id', 'role'])
    t.equal(body.email, 'jane.doe@example.com', 'trimmed and lowercased')
    t.equal(body.role, 'customer')
    t.match(body.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)

    const user = await app.db.selectFrom('users').selectAll().where('id', '=', body.id).executeTakeFirstOrThrow()
    t.equal(user.email, 'jane.doe@example.com')
    t.match(user.password_hash, /^\$argon2id\$v=19\$m=19456,p=1,t=2\$/, 'argon2id at the OWASP parameters')
    const customer = await app.db.selectFrom('customers').selectAll().where('id', '=', body.customer_id).executeTakeFirstOrThrow()
    t.equal(customer.user_id, body.id)
    t.equal(customer.email, 'jane.doe@example.com')
    t.equal(customer.first_name, 'Jane')
    t.equal(customer.last_name, 'Doe')

    t.equal((await login(app, 'JANE.DOE@example.com ')).statusCode, 200, 'login normalises the email the same way')

    const bare = await register(app, { email: 'no.names+shop@example.com', password: PASSWORD })
    t.equal(bare.statusCode, 201)
    const profile = await app.db.selectFrom('customers').select(['first_name', 'last_name']).where('id', '=', bare.json().customer_id).executeTakeFirstOrThrow()
    t.same(profile, { first_name: 'no.names+shop', last_name: '-' }, 'documented defaults: email local part and "-"')
  })

  t.test('invalid registrations answer 400 and write nothing', async (t) => {
    const app = await buildTestApp(t)
    const cases: Array<[string, unknown, string]> = [
      ['missing fields', {}, '/email'],
      ['missing password', { email: 'a@example.com' }, '/password'],
      ['email is a number', { email: 42, password: PASSWORD }, '/email'],
      ['password is a number', { email: 'a@example.com', password: 12345678 }, '/password'],
      ['bad email', { email: 'not-an-email', password: PASSWORD }, '/email'],
      ['email with spaces inside', { email: 'a b@example.com', password: PASSWORD }, '/email'],
      ['email at a dotless host', { email: 'a@localhost', password: PASSWORD }, '/email'],
      ['email at an IP literal', { email: 'a@[127.0.0.1]', password: PASSWORD }, '/email'],
      ['email local part over 64 characters', { email: `${'x'.repeat(65)}@example.com`, password: PASSWORD }, '/email'],
      ['empty password', { email: 'a@example.com', password: '' }, '/password'],
      ['long password', { email: 'a@example.com', password: 'x'.repeat(129) }, '/password'],
      ['unknown field (role escalation)', { email: 'a@example.com', password: PASSWORD, role: 'admin' }, '/role'],
      ['blank first name', { email: 'a@example.com', password: PASSWORD, first_name: '   ' }, '/first_name'],
      ['invisible first name', { email: 'a@example.com', password: PASSWORD, first_name: '\u200b\u200c' }, '/first_name'],
      ['long last name', { email: 'a@example.com', password: PASSWORD, last_name: 'x'.repeat(101) }, '/last_name'],
      ['name is a number', { email: 'a@example.com', password: PASSWORD, first_name: 7 }, '/first_name'],
      ['null email', { email: null, password: PASSWORD }, '/email'],
      ['array body', [{ email: 'a@example.com', password: PASSWORD }], '']
    ]
    for (const [name, payload, pointer] of cases) {
      const res = await app.inject({ method: 'POST', url: '/register', payload: JSON.stringify(payload), headers: { 'content-type': 'application/json' } })
      t.equal(res.statusCode, 400, name)
      const body = res.json()
      t.equal(body.code, 'VALIDATION_FAILED', name)
      t.ok(body.errors.some((e: { pointer: string }) => e.pointer === pointer), `${name}: error points at ${pointer || 'the body'}`)
    }
    t.same(await counts(app), { users: 0, customers: 0 })
  })

  t.test('a taken email answers 409 EMAIL_TAKEN, however it is spelled', async (t) => {
    const app = await buildTestApp(t)
    t.equal((await register(app, { email: 'taken@example.com', password: PASSWORD })).statusCode, 201)
    for (const email of ['taken@example.com', ' TAKEN@example.com']) {
      const res = await register(app, { email, password: 'another password' })
      t.equal(res.statusCode, 409, email)
      t.equal(res.json().code, 'EMAIL_TAKEN')
    }

    // A profile staff created for a walk-in customer is not handed to whoever registers its email.
    await app.db.insertInto('customers').values({ first_name: 'Walk', last_name: 'In', email: 'walk-in@example.com' }).execute()
    const walkIn = await register(app, { email: 'walk-in@example.com', password: PASSWORD })
    t.equal(walkIn.statusCode, 409)
    t.match(walkIn.json(), { code: 'CUSTOMER_EMAIL_TAKEN', detail: /No account has this email, but a customer profile uses it/, errors: [{ pointer: '/email' }] }, 'said as it is: no account has it')
    t.same(await counts(app), { users: 1, customers: 2 }, 'the failed registration left no user behind')
  })

  t.test('parallel registrations of one email: exactly one wins', async (t) => {
    const app = await buildTestApp(t)
    const results = await Promise.all(Array.from({ length: 8 }, async (_, i) =>
      await register(app, { email: 'race@example.com', password: `password-${i}-long` })))
    const statuses = results.map((r) => r.statusCode).sort()
    t.same(statuses, [201, 409, 409, 409, 409, 409, 409, 409])
    t.ok(results.filter((r) => r.statusCode === 409).every((r) => r.json().code === 'EMAIL_TAKEN'))
    t.same(await counts(app), { users: 1, customers: 1 })
  })
})
