import t from 'tap'
import { buildTestApp } from '../helpers/app.js'

t.test('access tokens live JWT_ACCESS_TTL and carry the pinned claims', async (t) => {
  const app = await buildTestApp(t, { env: { JWT_ACCESS_TTL: '15m' } })
  const token = app.jwt.sign({ sub: '3f1c9b2e-6a4d-4e8b-9c1a-2b7d5e8f0a13', role: 'customer', jti: 'j1' })
  const claims = app.jwt.decode<{ iat: number, exp: number, iss: string, aud: string }>(token)
  t.ok(claims)
  t.equal((claims?.exp ?? 0) - (claims?.iat ?? 0), 900)
  t.equal(claims?.iss, 'goshop-api')
  t.equal(claims?.aud, 'goshop-clients')
})
