import { randomUUID } from 'node:crypto'
import { suite } from '../../../helpers/suite.js'
import { REQUIRED_CLAIMS } from '../../../../plugins/app/auth.js'
import { buildTestApp } from '../../../helpers/app.js'
import { craftJwt, jwtClaims, me, refresh, registerAndLogin } from '../../../helpers/auth-flow.js'

export default suite(import.meta, (t) => {
  t.test('missing, expired, forged and foreign access tokens get 401 with the right code', async (t) => {
    const app = await buildTestApp(t)
    const { userId, session } = await registerAndLogin(app, 'holder@example.com')
    const now = Math.floor(Date.now() / 1000)
    const claims = { sub: userId, role: 'customer', jti: randomUUID(), iss: 'goshop-api', aud: 'goshop-clients', iat: now, exp: now + 600 }
    const [head, payload, signature] = session.access_token.split('.')
    const escalated = Buffer.from(JSON.stringify({ ...jwtClaims(session.access_token), role: 'admin' })).toString('base64url')

    const cases: Array<[string, Record<string, string>, string]> = [
      ['no Authorization header', {}, 'TOKEN_MISSING'],
      ['not a Bearer scheme', { authorization: 'Basic aG9sZGVyOnB3' }, 'TOKEN_MISSING'],
      ['expired', { authorization: `Bearer ${craftJwt({ ...claims, iat: now - 3600, exp: now - 60 })}` }, 'TOKEN_EXPIRED'],
      ['tampered payload (role: admin)', { authorization: `Bearer ${head}.${escalated}.${signature}` }, 'TOKEN_INVALID'],
      ['tampered signature', { authorization: `Bearer ${head}.${payload}.${'A'.repeat(signature?.length ?? 43)}` }, 'TOKEN_INVALID'],
      ['alg: none', { authorization: `Bearer ${craftJwt(claims, { alg: 'none' })}` }, 'TOKEN_INVALID'],
      ['wrong issuer', { authorization: `Bearer ${craftJwt({ ...claims, iss: 'someone-else' })}` }, 'TOKEN_INVALID'],
      ['wrong audience', { authorization: `Bearer ${craftJwt({ ...claims, aud: 'other-app' })}` }, 'TOKEN_INVALID'],
      ['signed with another secret', { authorization: `Bearer ${craftJwt(claims, { secret: 'another-secret-that-is-long-enough-0123456789' })}` }, 'TOKEN_INVALID'],
      ['missing jti', { authorization: `Bearer ${craftJwt({ ...claims, jti: undefined })}` }, 'TOKEN_INVALID'],
      ['refresh token used as access token', { authorization: `Bearer ${session.refresh_token}` }, 'TOKEN_INVALID'],
      ['garbage', { authorization: 'Bearer not.a.jwt' }, 'TOKEN_INVALID']
    ]
    t.equal((await app.inject({ method: 'GET', url: '/auth/me', headers: { authorization: `Bearer ${craftJwt(claims)}` } })).statusCode, 200, 'the well-formed control token passes')
    for (const [name, headers, code] of cases) {
      for (const url of ['/auth/me', '/api/admin/log-level']) {
        const method = url === '/auth/me' ? 'GET' : 'PUT'
        const res = await app.inject({ method, url, headers, payload: method === 'PUT' ? { level: 'info' } : undefined })
        t.equal(res.statusCode, 401, `${name} on ${url}`)
        t.equal(res.json().code, code, `${name} on ${url} -> ${code}`)
        t.equal(res.headers['www-authenticate'], 'Bearer')
      }
    }
  })

  t.test('a valid token of a deleted account is refused by /auth/me', async (t) => {
    const app = await buildTestApp(t)
    const { userId, session } = await registerAndLogin(app, 'leaver@example.com')
    t.equal((await me(app, session.access_token)).statusCode, 200)
    await app.db.deleteFrom('users').where('id', '=', userId).execute()
    const res = await me(app, session.access_token)
    t.equal(res.statusCode, 401)
    t.equal(res.json().code, 'TOKEN_INVALID')
    t.equal((await refresh(app, session.refresh_token)).statusCode, 401, 'its refresh tokens went with it')
  })

  t.test('a token verified (and cached) while valid is refused once it expires', async (t) => {
    const app = await buildTestApp(t)
    const { userId } = await registerAndLogin(app, 'short-lived@example.com')
    const now = Math.floor(Date.now() / 1000)
    const token = craftJwt({ sub: userId, role: 'customer', jti: randomUUID(), iss: 'goshop-api', aud: 'goshop-clients', iat: now, exp: now + 2 })
    const headers = { authorization: `Bearer ${token}` }
    for (let i = 0; i < 3; i++) t.equal((await app.inject({ method: 'GET', url: '/api/products', headers })).statusCode, 200, 'valid, used repeatedly')
    // exp is in whole seconds: wait until the clock is past it.
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, (now + 2) * 1000 - Date.now()) + 50))
    const res = await app.inject({ method: 'GET', url: '/api/products', headers })
    t.equal(res.statusCode, 401, 'refused after exp, cache or not')
    t.equal(res.json().code, 'TOKEN_EXPIRED')
    t.equal(res.headers['www-authenticate'], 'Bearer')
  })

  t.test('a token missing any SPEC claim is refused, even when signed with the right secret', async (t) => {
    const app = await buildTestApp(t)
    const { userId } = await registerAndLogin(app, 'claims@example.com')
    const now = Math.floor(Date.now() / 1000)
    const claims: Record<string, unknown> = { sub: userId, role: 'customer', iss: 'goshop-api', aud: 'goshop-clients', iat: now, exp: now + 600, jti: randomUUID() }
    const get = async (token: string) => await app.inject({ method: 'GET', url: '/api/products', headers: { authorization: `Bearer ${token}` } })
    t.equal((await get(craftJwt(claims))).statusCode, 200, 'the complete token passes')
    for (const claim of ['sub', 'role', 'iss', 'aud', 'iat', 'exp', 'jti']) {
      const res = await get(craftJwt({ ...claims, [claim]: undefined }))
      t.equal(res.statusCode, 401, `without ${claim}: 401`)
      t.equal(res.json().code, 'TOKEN_INVALID', `without ${claim}: TOKEN_INVALID`)
    }
    const notAnId = await get(craftJwt({ ...claims, sub: 'not-a-uuid' }))
    t.equal(notAnId.statusCode, 401, 'a sub that cannot be an account id')
    t.equal(notAnId.json().code, 'TOKEN_INVALID')
    const malformedHeader = await app.inject({ method: 'GET', url: '/api/products', headers: { authorization: 'Bearer a b' } })
    t.equal(malformedHeader.json().code, 'TOKEN_MISSING', '"Bearer a b" is not one token')
  })

  t.test('access tokens live JWT_ACCESS_TTL and carry every required claim', async (t) => {
    const app = await buildTestApp(t, { env: { JWT_ACCESS_TTL: '15m' } })
    const token = app.jwt.sign({ sub: '3f1c9b2e-6a4d-4e8b-9c1a-2b7d5e8f0a13', role: 'customer', jti: 'j1' })
    const claims = app.jwt.decode<Record<string, unknown>>(token)
    t.ok(claims)
    t.same(Object.keys(claims ?? {}).sort(), [...REQUIRED_CLAIMS].sort(), 'exactly the SPEC claims: sub, role, iss, aud, iat, exp, jti')
    t.equal(Number(claims?.exp) - Number(claims?.iat), 900)
    t.equal(claims?.iss, 'goshop-api')
    t.equal(claims?.aud, 'goshop-clients')
  })
})
