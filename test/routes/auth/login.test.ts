import { suite } from '../../helpers/suite.js'
import { buildTestApp } from '../../helpers/app.js'
import { login, PASSWORD, register } from '../../helpers/auth-flow.js'

function metric (text: string, name: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `))
  return Number(line?.split(' ')[1])
}

export default suite(import.meta, (t) => {
  t.test('wrong password and unknown email get the same 401; metrics count attempts and failures', async (t) => {
    const app = await buildTestApp(t)
    await register(app, { email: 'known@example.com', password: PASSWORD })

    const wrongPassword = await login(app, 'known@example.com', 'not the password')
    const unknownEmail = await login(app, 'nobody@example.com', 'not the password')
    for (const res of [wrongPassword, unknownEmail]) {
      t.equal(res.statusCode, 401)
      t.match(String(res.headers['content-type']), /^application\/problem\+json/)
    }
    const shape = (body: Record<string, unknown>): Record<string, unknown> => ({ ...body, request_id: '' })
    t.same(shape(wrongPassword.json()), shape(unknownEmail.json()), 'identical problem bodies')
    t.equal(wrongPassword.json().code, 'INVALID_CREDENTIALS')

    const ok = await login(app, 'known@example.com')
    t.equal(ok.statusCode, 200)
    t.same(Object.keys(ok.json()).sort(), ['access_token', 'expires_in', 'refresh_token', 'token_type'])
    t.equal(ok.headers['cache-control'], 'no-store', 'token responses are not cached')

    const invalid = await app.inject({ method: 'POST', url: '/login', payload: { email: 'known@example.com', password: PASSWORD, remember: true } })
    t.equal(invalid.statusCode, 400, 'unknown fields are refused on login too')

    const metrics = (await app.inject({ method: 'GET', url: '/metrics' })).body
    t.equal(metric(metrics, 'auth_login_total'), 3)
    t.equal(metric(metrics, 'auth_login_failed_total'), 2)
  })

  t.test('repeated failures for one email are answered 429 with Retry-After', async (t) => {
    const app = await buildTestApp(t)
    await register(app, { email: 'victim@example.com', password: PASSWORD })
    await register(app, { email: 'bystander@example.com', password: PASSWORD })

    for (let i = 0; i < 5; i++) t.equal((await login(app, 'victim@example.com', `guess-${i}`)).statusCode, 401)
    const blocked = await login(app, 'VICTIM@example.com', PASSWORD)
    t.equal(blocked.statusCode, 429, 'blocked even with the right password, however the email is spelled')
    t.equal(blocked.json().code, 'RATE_LIMITED')
    const retryAfter = Number(blocked.headers['retry-after'])
    t.ok(retryAfter >= 1 && retryAfter <= 60, `Retry-After ${retryAfter} is within the 1 minute window`)
    t.equal((await login(app, 'bystander@example.com')).statusCode, 200, 'other accounts are unaffected')

    // Unknown emails are throttled the same way, so the limiter does not reveal which accounts exist.
    for (let i = 0; i < 5; i++) t.equal((await login(app, 'ghost@example.com', `guess-${i}`)).statusCode, 401)
    t.equal((await login(app, 'ghost@example.com', 'guess')).statusCode, 429)

    // A success clears the count.
    for (let i = 0; i < 4; i++) await login(app, 'bystander@example.com', `typo-${i}`)
    t.equal((await login(app, 'bystander@example.com')).statusCode, 200)
    for (let i = 0; i < 4; i++) t.equal((await login(app, 'bystander@example.com', `typo-${i}`)).statusCode, 401)

    const metrics = (await app.inject({ method: 'GET', url: '/metrics' })).body
    t.equal(metric(metrics, 'auth_login_failed_total'), 5 + 1 + 5 + 1 + 4 + 4, 'blocked attempts count as failures')
  })

  t.test('/login and /register have a stricter per-IP limit (RATE_LIMIT_AUTH_MAX)', async (t) => {
    const app = await buildTestApp(t, { env: { RATE_LIMIT_AUTH_MAX: '3' } })
    for (let i = 0; i < 3; i++) t.equal((await login(app, `user${i}@example.com`, 'x', '10.0.0.1')).statusCode, 401)
    const limited = await login(app, 'user9@example.com', 'x', '10.0.0.1')
    t.equal(limited.statusCode, 429)
    t.equal(limited.json().code, 'RATE_LIMITED')
    t.ok(Number(limited.headers['retry-after']) > 0)
    t.equal((await login(app, 'user9@example.com', 'x', '10.0.0.2')).statusCode, 401, 'another client has its own budget')

    for (let i = 0; i < 3; i++) {
      const res = await app.inject({ method: 'POST', url: '/register', remoteAddress: '10.0.0.3', payload: { email: `new${i}@example.com`, password: PASSWORD } })
      t.equal(res.statusCode, 201)
    }
    const tooMany = await app.inject({ method: 'POST', url: '/register', remoteAddress: '10.0.0.3', payload: { email: 'new9@example.com', password: PASSWORD } })
    t.equal(tooMany.statusCode, 429)
    t.equal(tooMany.json().code, 'RATE_LIMITED')
    const users = await app.db.selectFrom('users').select('email').execute()
    t.equal(users.length, 3, 'the refused registration wrote nothing')
  })
})
