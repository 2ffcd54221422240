import { suite } from '../../../helpers/suite.js'
import { BODY_LIMIT_BYTES } from '../../../../app.js'
import { AUTH_BODY_LIMIT_BYTES } from '../../../../routes/auth/index.js'
import { buildTestApp } from '../../../helpers/app.js'
import { PASSWORD } from '../../../helpers/auth-flow.js'
import { createUser } from '../../../helpers/users.js'

const JSON_TYPE = { 'content-type': 'application/json' }

export default suite(import.meta, (t) => {
  t.test('protected routes refuse a missing or bad token before reading or parsing the body', async (t) => {
    const app = await buildTestApp(t)
    const customer = await createUser(app, 'customer')
    const depth = 500_000
    const bodies: Array<[string, string]> = [
    // Each of these would be 413 or 400 if the body were read or parsed before the token check.
      ['over the 1 MiB body limit', JSON.stringify({ items: 'x'.repeat(BODY_LIMIT_BYTES) })],
      ['1 MiB of broken JSON', '{"items": [' + '1,'.repeat(BODY_LIMIT_BYTES / 2 - 8)],
      ['1 MiB of nested arrays', '['.repeat(depth) + ']'.repeat(depth)]
    ]
    const tokens: Array<[string, Record<string, string>, string]> = [
      ['no token', {}, 'TOKEN_MISSING'],
      ['a forged token', { authorization: 'Bearer not.a.jwt' }, 'TOKEN_INVALID']
    ]
    for (const [what, payload] of bodies) {
      for (const [who, headers, code] of tokens) {
        const res = await app.inject({ method: 'POST', url: '/api/orders', headers: { ...JSON_TYPE, ...headers }, payload })
        t.equal(res.statusCode, 401, `${what}, ${who}: 401`)
        t.equal(res.json().code, code)
        t.match(String(res.headers['content-type']), /^application\/problem\+json/)
      }
      // Control: with a valid token the same body is read and refused for what it is.
      const res = await app.inject({ method: 'POST', url: '/api/orders', headers: { ...JSON_TYPE, ...customer.headers }, payload })
      t.ok(res.statusCode === 400 || res.statusCode === 413, `${what}, valid token: ${res.statusCode} (the body was judged)`)
    }
    const me = await app.inject({ method: 'GET', url: '/auth/me' })
    t.equal(me.statusCode, 401, '/auth/me too')
    t.equal(me.json().code, 'TOKEN_MISSING')
    t.equal((await app.db.selectFrom('orders').select('id').execute()).length, 0, 'nothing was written')
  })

  t.test(`public auth routes take at most ${AUTH_BODY_LIMIT_BYTES} bytes: 413 problem beyond`, async (t) => {
    const app = await buildTestApp(t)
    const padding = 'x'.repeat(AUTH_BODY_LIMIT_BYTES)
    const cases: Array<[string, Record<string, unknown>]> = [
      ['/register', { email: 'big@example.com', password: PASSWORD, first_name: padding }],
      ['/login', { email: 'big@example.com', password: padding }],
      ['/auth/refresh', { refresh_token: padding }],
      ['/auth/logout', { refresh_token: padding }]
    ]
    for (const [url, payload] of cases) {
      const res = await app.inject({ method: 'POST', url, payload })
      t.equal(res.statusCode, 413, `${url}: 413`)
      t.equal(res.json().code, 'PAYLOAD_TOO_LARGE')
      t.match(String(res.headers['content-type']), /^application\/problem\+json/)
    }
    // The largest valid registration, every character JSON-escaped, still fits.
    const escape = (text: string): string => [...text].map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`).join('')
    const email = `${'a'.repeat(64)}@${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(57)}.com`
    t.equal(email.length, 254)
    const largest = `{"email":"${escape(email)}","password":"${escape('p'.repeat(100) + 'q'.repeat(28))}","first_name":"${escape('J'.repeat(100))}","last_name":"${escape('D'.repeat(100))}"}`
    t.ok(Buffer.byteLength(largest) < AUTH_BODY_LIMIT_BYTES, `${Buffer.byteLength(largest)} bytes`)
    const res = await app.inject({ method: 'POST', url: '/register', headers: JSON_TYPE, payload: largest })
    t.not(res.statusCode, 413, `the largest registration is read (${res.statusCode})`)
  })
})
