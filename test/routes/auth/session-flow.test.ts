import { suite } from '../../helpers/suite.js'
import { buildTestApp } from '../../helpers/app.js'
import { jwtClaims, login, logout, me, PASSWORD, refresh, register, registerAndLogin } from '../../helpers/auth-flow.js'

export default suite(import.meta, (t) => {
  t.test('register -> login -> me -> refresh -> reuse revokes the family -> logout', async (t) => {
    const app = await buildTestApp(t)

    const registered = await register(app, { email: 'flow@example.com', password: PASSWORD })
    t.equal(registered.statusCode, 201)
    const user = registered.json()

    const loggedIn = await login(app, 'flow@example.com')
    t.equal(loggedIn.statusCode, 200)
    const first = loggedIn.json()
    t.equal(first.token_type, 'Bearer')
    t.equal(first.expires_in, 900)
    t.match(first.refresh_token, /^[A-Za-z0-9_-]{43}$/, '32 random bytes, base64url')
    const claims = jwtClaims(first.access_token)
    t.equal(claims.sub, user.id)
    t.equal(claims.role, 'customer')
    t.equal(claims.iss, 'goshop-api')
    t.equal(claims.aud, 'goshop-clients')
    t.type(claims.jti, 'string')
    t.equal(Number(claims.exp) - Number(claims.iat), 900)

    const profile = await me(app, first.access_token)
    t.equal(profile.statusCode, 200)
    t.same(profile.json(), user)

    const rotated = await refresh(app, first.refresh_token)
    t.equal(rotated.statusCode, 200)
    t.equal(rotated.headers['cache-control'], 'no-store')
    const second = rotated.json()
    t.not(second.refresh_token, first.refresh_token)
    t.not(second.access_token, first.access_token)
    t.equal((await me(app, second.access_token)).statusCode, 200)

    // Durable state: only the sha256 digest is stored, both tokens in one family.
    const rows = await app.db.selectFrom('refresh_tokens').selectAll().where('user_id', '=', user.id).orderBy('created_at').execute()
    t.equal(rows.length, 2)
    t.equal(rows[0]?.family_id, rows[1]?.family_id)
    t.notOk(rows.some((row) => row.token_hash === first.refresh_token || row.token_hash === second.refresh_token))
    t.ok(rows.every((row) => /^[0-9a-f]{64}$/.test(row.token_hash)))
    t.ok(rows[0]?.used_at instanceof Date, 'the first token is marked used')

    const reused = await refresh(app, first.refresh_token)
    t.equal(reused.statusCode, 401)
    t.equal(reused.json().code, 'REFRESH_TOKEN_REUSED')
    const afterReuse = await refresh(app, second.refresh_token)
    t.equal(afterReuse.statusCode, 401, 'the newer token of the same family is revoked too')
    t.equal(afterReuse.json().code, 'REFRESH_TOKEN_INVALID')
    const revoked = await app.db.selectFrom('refresh_tokens').select('revoked_at').where('user_id', '=', user.id).execute()
    t.ok(revoked.every((row) => row.revoked_at !== null), 'every token of the family is revoked in the database')

    // A fresh login starts a new family; logout ends it, and logging out again is harmless.
    const again = (await login(app, 'flow@example.com')).json()
    const renewed = await refresh(app, again.refresh_token)
    t.equal(renewed.statusCode, 200)
    const out = await logout(app, renewed.json().refresh_token)
    t.equal(out.statusCode, 204)
    t.equal(out.body, '')
    const afterLogout = await refresh(app, renewed.json().refresh_token)
    t.equal(afterLogout.statusCode, 401)
    t.equal(afterLogout.json().code, 'REFRESH_TOKEN_INVALID')
    t.equal((await logout(app, renewed.json().refresh_token)).statusCode, 204, 'logout is idempotent')
  })

  t.test('logout revokes the whole family, whichever of its tokens is shown, and nothing else', async (t) => {
    const app = await buildTestApp(t)
    const { session: phone } = await registerAndLogin(app, 'two-devices@example.com')
    const laptop = (await login(app, 'two-devices@example.com')).json()
    const rotated = (await refresh(app, phone.refresh_token)).json()

    t.equal((await logout(app, phone.refresh_token)).statusCode, 204, 'the already-used token still identifies its family')
    const phoneRefresh = await refresh(app, rotated.refresh_token)
    t.equal(phoneRefresh.statusCode, 401)
    t.equal(phoneRefresh.json().code, 'REFRESH_TOKEN_INVALID')
    t.equal((await refresh(app, laptop.refresh_token)).statusCode, 200, 'another login of the same user is untouched')

    const unknown = await logout(app, 'never-issued-token-never-issued-token-00000')
    t.equal(unknown.statusCode, 204, 'an unknown token answers 204 too: logout reveals nothing')
    const live = await app.db.selectFrom('refresh_tokens').select(({ fn }) => fn.countAll<number>().as('n')).where('revoked_at', 'is', null).where('used_at', 'is', null).executeTakeFirstOrThrow()
    t.equal(Number(live.n), 1, 'only the laptop\'s newest token is live')
  })

  t.test('an expired refresh token is refused without revoking its family', async (t) => {
    const app = await buildTestApp(t)
    const { userId, session } = await registerAndLogin(app, 'expired@example.com')
    await app.db.updateTable('refresh_tokens').set({ expires_at: new Date(Date.now() - 1000) }).where('user_id', '=', userId).execute()
    const res = await refresh(app, session.refresh_token)
    t.equal(res.statusCode, 401)
    t.equal(res.json().code, 'REFRESH_TOKEN_EXPIRED')
    const row = await app.db.selectFrom('refresh_tokens').select(['used_at', 'revoked_at']).where('user_id', '=', userId).executeTakeFirstOrThrow()
    t.equal(row.used_at, null)
    t.equal(row.revoked_at, null)
  })

  t.test('new refresh tokens expire after JWT_REFRESH_TTL; access tokens after JWT_ACCESS_TTL', async (t) => {
    const app = await buildTestApp(t, { env: { JWT_REFRESH_TTL: '2h', JWT_ACCESS_TTL: '5m' } })
    const { userId, session } = await registerAndLogin(app, 'ttl@example.com')
    t.equal(session.expires_in, 300)
    const claims = jwtClaims(session.access_token)
    t.equal(Number(claims.exp) - Number(claims.iat), 300)
    const row = await app.db.selectFrom('refresh_tokens').select(['expires_at', 'created_at']).where('user_id', '=', userId).executeTakeFirstOrThrow()
    t.equal(row.expires_at.getTime() - row.created_at.getTime(), 2 * 3600 * 1000)
  })

  t.test('a refresh reads the current role; a deleted account cannot refresh', async (t) => {
    const app = await buildTestApp(t)
    const { userId, session } = await registerAndLogin(app, 'promoted@example.com')
    await app.db.updateTable('users').set({ role: 'staff' }).where('id', '=', userId).execute()
    const res = await refresh(app, session.refresh_token)
    t.equal(res.statusCode, 200)
    t.equal(jwtClaims(res.json().access_token).role, 'staff')

    await app.db.deleteFrom('users').where('id', '=', userId).execute()
    const gone = await refresh(app, res.json().refresh_token)
    t.equal(gone.statusCode, 401)
    t.equal(gone.json().code, 'REFRESH_TOKEN_INVALID')
  })

  t.test('refresh and logout bodies are validated', async (t) => {
    const app = await buildTestApp(t)
    for (const url of ['/auth/refresh', '/auth/logout']) {
      for (const payload of [{}, { refresh_token: 42 }, { refresh_token: '' }, { refresh_token: 'x', extra: true }, { refresh_token: 'x'.repeat(513) }]) {
        const res = await app.inject({ method: 'POST', url, payload })
        t.equal(res.statusCode, 400, `${url} ${JSON.stringify(payload).slice(0, 60)}`)
        t.equal(res.json().code, 'VALIDATION_FAILED')
      }
    }
    const unknown = await refresh(app, 'not-a-token-we-issued')
    t.equal(unknown.statusCode, 401)
    t.equal(unknown.json().code, 'REFRESH_TOKEN_INVALID')
  })
})
