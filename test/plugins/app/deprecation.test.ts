import type { FastifyInstance, FastifyPluginAsync } from 'fastify'
import { Type } from 'typebox'
import { suite } from '../../helpers/suite.js'
import { buildApp } from '../../../app.js'
import { deprecatedOperation, deprecationHeaders } from '../../../lib/http/deprecation.js'
import { testAppOptions } from '../../helpers/app.js'
import type { TestContext } from '../../helpers/database.js'

const NOTICE = { since: '2026-12-01T00:00:00Z', sunset: '2027-06-30', link: 'https://docs.example.com/deprecations/legacy-things' }
const EXPECTED = {
  deprecation: `@${Date.UTC(2026, 11, 1) / 1000}`,
  sunset: 'Wed, 30 Jun 2027 00:00:00 GMT',
  link: '<https://docs.example.com/deprecations/legacy-things>; rel="deprecation"'
}

/** Fixture routes, registered only here: a deprecated read and list, and a current one. */
const fixtureRoutes: FastifyPluginAsync = async (fastify) => {
  fastify.get('/legacy/things', {
    schema: {
      ...deprecatedOperation(NOTICE),
      operationId: 'listLegacyThings',
      querystring: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10 })) }, { additionalProperties: false }),
      response: { 200: Type.Object({ data: Type.Array(Type.String()) }) }
    }
  }, async (_request, reply) => {
    reply.header('link', '</legacy/things?cursor=abc>; rel="next"')
    return { data: ['a'] }
  })
  fastify.get('/legacy/thing', { schema: { ...deprecatedOperation(NOTICE), operationId: 'getLegacyThing', response: { 200: Type.Object({ name: Type.String() }) } } }, async () => ({ name: 'a' }))
  fastify.get('/current/thing', { schema: { operationId: 'getCurrentThing', response: { 200: Type.Object({ name: Type.String() }) } } }, async () => ({ name: 'a' }))
}

/** The app with extra routes registered before it is ready (buildTestApp readies at once). */
async function appWith (t: TestContext, routes: FastifyPluginAsync): Promise<FastifyInstance> {
  const app = await buildApp(await testAppOptions(t))
  t.teardown(async () => { await app.close() })
  await app.register(routes)
  await app.ready()
  return app
}

export default suite(import.meta, (t) => {
  t.test('a deprecated route without a complete notice stops the start, naming the route', async (t) => {
    const route = 'GET /legacy'
    t.throws(() => deprecationHeaders({ deprecated: true }, route), /GET \/legacy is deprecated: x-deprecated-at must be an RFC 3339 date/)
    t.throws(() => deprecationHeaders({ ...deprecatedOperation({ ...NOTICE, sunset: 'soon' }) }, route), /x-sunset must be an RFC 3339 date .*got "soon"/)
    for (const since of ['2026-12-01T00:00:00', '2026-02-30', '2026-12-01 junk', '2026-12-01T25:00:00Z']) {
      t.throws(() => deprecationHeaders({ ...deprecatedOperation({ ...NOTICE, since }) }, route), /x-deprecated-at must be an RFC 3339 date or date-time with an offset/, `${since}: no offset (local time), or no such day`)
    }
    t.equal(deprecationHeaders({ ...deprecatedOperation({ ...NOTICE, since: '2026-12-01' }) }, route)?.deprecation, '@1796083200', 'a full date is midnight UTC')
    t.equal(deprecationHeaders({ ...deprecatedOperation({ ...NOTICE, since: '2026-12-01T02:00:00+02:00' }) }, route)?.deprecation, '@1796083200', 'a date-time keeps its offset')
    t.throws(() => deprecationHeaders({ ...deprecatedOperation({ ...NOTICE, sunset: '2026-11-30' }) }, route), /x-sunset is before x-deprecated-at/)
    t.throws(() => deprecationHeaders({ ...deprecatedOperation({ ...NOTICE, link: 'javascript:alert(1)' }) }, route), /externalDocs.url must be/)
    t.throws(() => deprecationHeaders({ ...deprecatedOperation({ ...NOTICE, link: 'https://x.example/a>; rel="next"' }) }, route), /externalDocs.url must be/, 'a link cannot inject another link')
    t.equal(deprecationHeaders({ deprecated: false, 'x-sunset': '2027-01-01' }, route), null, 'not deprecated: no headers')
    t.equal(deprecationHeaders(undefined, route), null)
    t.same(deprecationHeaders(deprecatedOperation({ ...NOTICE, link: '/problems' }), route)?.link, '</problems>; rel="deprecation"', 'a path on this service')

    await t.rejects(appWith(t, async (fastify) => {
      fastify.get('/legacy/broken', { schema: { deprecated: true } }, async () => ({}))
    }), /GET \/legacy\/broken is deprecated/)
  })

  t.test('a deprecated operation answers with Deprecation, Sunset and Link, errors included', async (t) => {
    const app = await appWith(t, fixtureRoutes)

    const invalid = await app.inject({ method: 'GET', url: '/legacy/things?limit=99' })
    t.equal(invalid.statusCode, 400)
    t.match(invalid.headers, EXPECTED, 'a validation error still announces the deprecation')

    const read = await app.inject({ method: 'GET', url: '/legacy/thing' })
    t.equal(read.statusCode, 200)
    t.match(read.headers, EXPECTED)

    const list = await app.inject({ method: 'GET', url: '/legacy/things' })
    t.equal(list.statusCode, 200)
    t.equal(list.headers.link, `</legacy/things?cursor=abc>; rel="next", ${EXPECTED.link}`, 'the pagination link is kept')

    for (const url of ['/current/thing', '/health/live', '/problems']) {
      const res = await app.inject({ method: 'GET', url })
      t.equal(res.statusCode, 200, url)
      t.notOk('deprecation' in res.headers || 'sunset' in res.headers, `${url} is not deprecated`)
    }
  })

  t.test('the document marks the operation deprecated and declares the headers on each response', async (t) => {
    const app = await appWith(t, fixtureRoutes)
    const doc = (await app.inject({ method: 'GET', url: '/swagger/json' })).json()
    const legacy = doc.paths['/legacy/things'].get
    t.match(legacy, {
      deprecated: true,
      'x-deprecated-at': NOTICE.since,
      'x-sunset': NOTICE.sunset,
      externalDocs: { url: NOTICE.link }
    })
    for (const [status, response] of Object.entries<{ headers: Record<string, unknown> }>(legacy.responses)) {
      t.ok(['Deprecation', 'Sunset', 'Link'].every((name) => name in response.headers), `${status} declares Deprecation, Sunset and Link`)
    }
    const current = doc.paths['/current/thing'].get
    t.notOk('deprecated' in current)
    t.notOk('Deprecation' in current.responses['200'].headers, 'an operation in use declares no deprecation headers')
  })
})
