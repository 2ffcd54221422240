import t from 'tap'
import { REQUIRED_CLAIMS } from '../../plugins/app/auth.js'
import { buildTestApp } from '../helpers/app.js'

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
