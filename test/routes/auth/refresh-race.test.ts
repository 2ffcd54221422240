import { suite } from '../../helpers/suite.js'
import { buildTestApp } from '../../helpers/app.js'
import { me, refresh, registerAndLogin } from '../../helpers/auth-flow.js'

export default suite(import.meta, (t) => {
  t.test('10 parallel refreshes of one token: exactly one wins, and the duplicate use revokes the family', async (t) => {
    const app = await buildTestApp(t)
    const { userId, session } = await registerAndLogin(app, 'racer@example.com')

    const results = await Promise.all(Array.from({ length: 10 }, async () => await refresh(app, session.refresh_token)))
    const winners = results.filter((r) => r.statusCode === 200)
    const losers = results.filter((r) => r.statusCode !== 200)
    t.equal(winners.length, 1, 'exactly one 200')
    t.equal(losers.length, 9)
    t.ok(losers.every((r) => r.statusCode === 401), 'the others get 401')
    // The first loser detects the reuse and revokes the family; later ones may find it already revoked.
    const codes = new Set(losers.map((r) => r.json().code))
    t.ok(codes.has('REFRESH_TOKEN_REUSED'), 'reuse was detected')
    t.same([...codes].filter((code) => code !== 'REFRESH_TOKEN_REUSED' && code !== 'REFRESH_TOKEN_INVALID'), [])

    const rows = await app.db.selectFrom('refresh_tokens').selectAll().where('user_id', '=', userId).execute()
    t.equal(rows.length, 2, 'one rotation happened: the original and one successor')
    t.equal(rows.filter((row) => row.used_at !== null).length, 1)
    t.ok(rows.every((row) => row.revoked_at !== null), 'the family is revoked')

    const winner = winners[0]?.json()
    t.equal((await refresh(app, winner.refresh_token)).statusCode, 401, 'the winner\'s refresh token died with its family')
    t.equal((await me(app, winner.access_token)).statusCode, 200, 'its short-lived access token stays valid until it expires')
  })
})
