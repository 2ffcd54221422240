import { randomUUID } from 'node:crypto'
import Fastify, { type FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { Kysely, PostgresDialect } from 'kysely'
import type { Database } from '../../../db/database.js'
import { suite } from '../../helpers/suite.js'
import { loadConfig } from '../../../lib/config.js'
import authPlugin, { tokenError } from '../../../plugins/app/auth.js'
import { verifyAccessToken } from '../../../plugins/app/access-token.js'
import { ApiKeyBuckets } from '../../../lib/rate-limit/api-key-buckets.js'
import { TEST_JWT_SECRET } from '../../helpers/app.js'
import { craftJwt } from '../../helpers/auth-flow.js'

type Outcome = { claims: unknown } | { code: string }

const outcomeOf = async (verify: () => unknown): Promise<Outcome> => {
  try {
    return { claims: await verify() }
  } catch (error) {
    return { code: tokenError(error).code }
  }
}

/** The app's auth plugin alone (no database is queried: only verification runs), with a route that verifies both ways. */
async function authOnly (): Promise<FastifyInstance> {
  const app = Fastify()
  const config = loadConfig({ APP_ENV: 'test', JWT_SECRET: TEST_JWT_SECRET })
  await app.register(fp(async (f) => { f.decorate('config', config) }, { name: 'config' }))
  // Never connected: verification queries nothing.
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: async () => await Promise.reject(new Error('no database in this test')) }) })
  await app.register(fp(async (f) => { f.decorate('db', db) }, { name: 'db' }))
  await app.register(fp(async (f) => { f.decorate('apiKeyBuckets', new ApiKeyBuckets()) }, { name: 'rate-limit' }))
  await app.register(authPlugin)
  app.get('/compare', async (request) => ({
    shortcut: await outcomeOf(() => verifyAccessToken(app.jwt, request)),
    library: await outcomeOf(async () => await request.jwtVerify())
  }))
  await app.ready()
  return app
}

export default suite(import.meta, (t) => {
  t.test('the cached verifier path answers every token exactly as request.jwtVerify() does', async (t) => {
    const app = await authOnly()
    t.teardown(() => app.close())
    const now = Math.floor(Date.now() / 1000)
    const claims = { sub: randomUUID(), role: 'customer', jti: randomUUID(), iss: 'goshop-api', aud: 'goshop-clients', iat: now, exp: now + 600 }
    const valid = craftJwt(claims)
    const [head, , signature] = valid.split('.')
    const escalated = Buffer.from(JSON.stringify({ ...claims, role: 'admin' })).toString('base64url')
    const cases: Array<[string, Record<string, string>, string]> = [
      ['no Authorization header', {}, 'TOKEN_MISSING'],
      ['not a Bearer scheme', { authorization: 'Basic aG9sZGVyOnB3' }, 'TOKEN_MISSING'],
      ['Bearer and two words', { authorization: `Bearer ${valid} extra` }, 'TOKEN_MISSING'],
      ['expired', { authorization: `Bearer ${craftJwt({ ...claims, iat: now - 3600, exp: now - 60 })}` }, 'TOKEN_EXPIRED'],
      ['tampered payload (role: admin)', { authorization: `Bearer ${head}.${escalated}.${signature}` }, 'TOKEN_INVALID'],
      ['alg: none', { authorization: `Bearer ${craftJwt(claims, { alg: 'none' })}` }, 'TOKEN_INVALID'],
      ['wrong issuer', { authorization: `Bearer ${craftJwt({ ...claims, iss: 'someone-else' })}` }, 'TOKEN_INVALID'],
      ['wrong audience', { authorization: `Bearer ${craftJwt({ ...claims, aud: 'other-app' })}` }, 'TOKEN_INVALID'],
      ['signed with another secret', { authorization: `Bearer ${craftJwt(claims, { secret: 'another-secret-that-is-long-enough-0123456789' })}` }, 'TOKEN_INVALID'],
      ['missing jti', { authorization: `Bearer ${craftJwt({ ...claims, jti: undefined })}` }, 'TOKEN_INVALID'],
      ['garbage', { authorization: 'Bearer not.a.jwt' }, 'TOKEN_INVALID']
    ]
    for (const [name, headers, code] of cases) {
      // Twice: the second answer may come from the verifier's cache, and must not differ.
      for (const pass of ['first', 'cached']) {
        const { shortcut, library } = (await app.inject({ method: 'GET', url: '/compare', headers })).json()
        t.same(shortcut, { code }, `${name} (${pass}): ${code}`)
        t.same(library, shortcut, `${name} (${pass}): as request.jwtVerify()`)
      }
    }
    for (const pass of ['first', 'cached']) {
      const { shortcut, library } = (await app.inject({ method: 'GET', url: '/compare', headers: { authorization: `Bearer ${valid}` } })).json()
      t.same(shortcut, { claims }, `a valid token (${pass}) gives its claims`)
      t.same(library, { claims: { id: claims.sub, role: claims.role, tokenId: claims.jti } }, `a valid token (${pass}): the same claims as request.jwtVerify() (which formats them)`)
    }
  })
})
