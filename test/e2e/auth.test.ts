import { suite } from '../helpers/suite.js'
import { apiClient } from './client.js'
import { PASSWORD, uniqueEmail } from './flows.js'
import { startServer } from '../helpers/server-process.js'
import { assertHeadersDeclared, recordExchanges } from './header-audit.js'

export default suite(import.meta, async (t) => {
  recordExchanges(t)
  const server = await startServer(t)
  const anonymous = apiClient(server.baseUrl)

  t.test('register, login, me, refresh (rotation + reuse detection), logout', async (t) => {
    const email = uniqueEmail('auth')
    const registered = await anonymous.POST('/register', { body: { email: `  ${email.toUpperCase()} `, password: PASSWORD } })
    t.equal(registered.response.status, 201)
    t.equal(registered.data?.email, email, 'email trimmed and lowercased')
    t.equal(registered.data?.role, 'customer')
    t.match(registered.data?.customer_id, /^[0-9a-f-]{36}$/, 'a customer profile comes with the account')

    const duplicate = await anonymous.POST('/register', { body: { email, password: PASSWORD } })
    t.equal(duplicate.response.status, 409)
    t.equal(duplicate.error?.code, 'EMAIL_TAKEN')
    t.match(duplicate.response.headers.get('content-type'), /^application\/problem\+json/)

    const wrong = await anonymous.POST('/login', { body: { email, password: 'not the password' } })
    const unknown = await anonymous.POST('/login', { body: { email: uniqueEmail('nobody'), password: PASSWORD } })
    t.equal(wrong.response.status, 401)
    t.equal(wrong.error?.code, 'INVALID_CREDENTIALS')
    t.equal(unknown.error?.code, 'INVALID_CREDENTIALS', 'unknown email: the same answer')
    t.equal(unknown.error?.detail, wrong.error?.detail, 'and the same detail')

    const login = await anonymous.POST('/login', { body: { email, password: PASSWORD } })
    t.equal(login.response.status, 200)
    const pair = login.data
    if (pair === undefined) throw new Error('no token pair')
    t.equal(pair.token_type, 'Bearer')
    t.ok(Number.isInteger(pair.expires_in) && pair.expires_in > 0, 'expires_in is whole seconds')
    t.equal(pair.access_token.split('.').length, 3, 'the access token is a JWT')

    const me = await apiClient(server.baseUrl, pair.access_token).GET('/auth/me')
    t.equal(me.response.status, 200)
    t.same({ id: me.data?.id, email: me.data?.email, role: me.data?.role }, { id: registered.data?.id, email, role: 'customer' })

    const refreshed = await anonymous.POST('/auth/refresh', { body: { refresh_token: pair.refresh_token } })
    t.equal(refreshed.response.status, 200)
    const rotated = refreshed.data
    if (rotated === undefined) throw new Error('no rotated pair')
    t.not(rotated.refresh_token, pair.refresh_token, 'the refresh token rotates')
    t.equal((await apiClient(server.baseUrl, rotated.access_token).GET('/auth/me')).response.status, 200, 'the new access token works')

    const reused = await anonymous.POST('/auth/refresh', { body: { refresh_token: pair.refresh_token } })
    t.equal(reused.response.status, 401, 'a used refresh token is refused')
    const afterReuse = await anonymous.POST('/auth/refresh', { body: { refresh_token: rotated.refresh_token } })
    t.equal(afterReuse.response.status, 401, 'reuse revoked the whole family, including the rotated token')

    const second = await anonymous.POST('/login', { body: { email, password: PASSWORD } })
    const refreshToken = second.data?.refresh_token ?? ''
    const logout = await anonymous.POST('/auth/logout', { body: { refresh_token: refreshToken } })
    t.equal(logout.response.status, 204)
    t.equal((await anonymous.POST('/auth/refresh', { body: { refresh_token: refreshToken } })).response.status, 401, 'logged out: refresh refused')
  })

  t.test('bad input is a 400 problem with pointers', async (t) => {
    const short = await anonymous.POST('/register', { body: { email: uniqueEmail('short'), password: 'short' } })
    t.equal(short.response.status, 400)
    t.equal(short.error?.code, 'WEAK_PASSWORD', 'too short: the password policy\'s answer')
    t.match(short.error?.errors, [{ pointer: '/password' }])

    const notEmail = await anonymous.POST('/register', { body: { email: 'not-an-email', password: PASSWORD } })
    t.equal(notEmail.response.status, 400)
    t.match(notEmail.error?.errors, [{ pointer: '/email' }])
  })

  t.test('tokens: missing, forged and alg:none are refused', async (t) => {
    const missing = await anonymous.GET('/auth/me')
    t.equal(missing.response.status, 401)
    t.equal(missing.error?.code, 'TOKEN_MISSING')

    const forged = await apiClient(server.baseUrl, 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl').GET('/auth/me')
    t.equal(forged.response.status, 401)
    t.equal(forged.error?.code, 'TOKEN_INVALID')

    const header = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')
    const claims = Buffer.from(JSON.stringify({ sub: '00000000-0000-4000-8000-000000000000', role: 'admin', jti: 'x', iat: 1, exp: 4102444800 })).toString('base64url')
    const none = await apiClient(server.baseUrl, `${header}.${claims}.`).GET('/auth/me')
    t.equal(none.response.status, 401)
    t.equal(none.error?.code, 'TOKEN_INVALID')
  })

  t.test('every response header this file received is declared in the document', async (t) => {
    await assertHeadersDeclared(t, server.baseUrl)
  })
})
