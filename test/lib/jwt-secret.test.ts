import { suite } from '../helpers/suite.js'
import { ConfigError, loadConfig } from '../../lib/config.js'

const STRONG = 'k3Xq9v2L8mZp4Rt7Wy1Bn6Cd5Fg0Hj2Ks4Lm8Np'

function jwtProblems (env: Record<string, string>): string[] {
  try {
    loadConfig(env)
    return []
  } catch (error) {
    if (error instanceof ConfigError) return error.problems.filter((p) => p.startsWith('JWT_SECRET'))
    throw error
  }
}

export default suite(import.meta, (t) => {
  t.test('production refuses to start without a strong JWT_SECRET', async (t) => {
    const missing = jwtProblems({ APP_ENV: 'production' })
    t.equal(missing.length, 1)
    t.match(missing[0], /required in production/)

    t.match(jwtProblems({ APP_ENV: 'production', JWT_SECRET: 'too-short-secret' })[0], /at least 32 bytes/)
    t.match(jwtProblems({ APP_ENV: 'production', JWT_SECRET: 'dev-secret-change-me-dev-secret-change-me' })[0], /placeholder/)
    t.match(jwtProblems({ APP_ENV: 'production', JWT_SECRET: 'Replace-Me-With-At-Least-32-Random-Bytes' })[0], /placeholder/, 'placeholders match case-insensitively')

    for (const problems of [missing, jwtProblems({ APP_ENV: 'production', JWT_SECRET: 'too-short-secret' })]) {
      t.notOk(problems.some((p) => p.includes('too-short-secret')), 'the secret value is never echoed')
    }

    const config = loadConfig({ APP_ENV: 'production', JWT_SECRET: STRONG, DATABASE_URL: 'postgres://db/shop' })
    t.equal(config.jwt.secret, STRONG)
    t.equal(config.jwt.ephemeralSecret, false)
  })

  t.test('outside production a missing secret becomes a random per-process one; a short one is still refused', async (t) => {
    const a = loadConfig({ APP_ENV: 'development' })
    const b = loadConfig({ APP_ENV: 'development' })
    t.equal(a.jwt.ephemeralSecret, true)
    t.ok(Buffer.byteLength(a.jwt.secret) >= 32)
    t.not(a.jwt.secret, b.jwt.secret)
    t.match(jwtProblems({ APP_ENV: 'test', JWT_SECRET: 'short' })[0], /at least 32 bytes/)
  })
})
