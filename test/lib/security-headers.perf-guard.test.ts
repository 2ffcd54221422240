import Fastify from 'fastify'
import helmet from 'helmet'
import { suite } from '../helpers/suite.js'
import { HELMET_OPTIONS } from '../../lib/security-headers.js'
import { buildTestApp } from '../helpers/app.js'
import { createUser } from '../helpers/users.js'

/** What helmet's middleware run on each request (as @fastify/helmet does) sends with the same options. */
async function referenceHeaders (): Promise<Record<string, unknown>> {
  const reference = Fastify()
  reference.addHook('onRequest', (request, reply, done) => { helmet(HELMET_OPTIONS)(request.raw, reply.raw, () => { done() }) })
  reference.get('/', async () => ({ ok: true }))
  const res = await reference.inject({ method: 'GET', url: '/' })
  await reference.close()
  const { 'content-type': _type, 'content-length': _length, date: _date, connection: _connection, ...helmetOnly } = res.headers
  return helmetOnly
}

export default suite(import.meta, (t) => {
  t.test('the precomputed security headers are exactly what helmet sends, on success, problem and 404 responses', async (t) => {
    const expected = await referenceHeaders()
    t.ok(Object.keys(expected).length >= 10, 'helmet sets its dozen headers')
    const app = await buildTestApp(t)
    const user = await createUser(app, 'customer')
    const responses = [
      await app.inject({ method: 'GET', url: '/api/products?limit=1', headers: user.headers }),
      await app.inject({ method: 'GET', url: '/api/products' }),
      await app.inject({ method: 'GET', url: '/api/products/not-a-uuid', headers: user.headers }),
      await app.inject({ method: 'GET', url: '/no-such-route' }),
      await app.inject({ method: 'GET', url: '/health/live' })
    ]
    t.same(responses.map((res) => res.statusCode), [200, 401, 400, 404, 200])
    for (const res of responses) {
      for (const [name, value] of Object.entries(expected)) t.equal(res.headers[name], value, `${res.statusCode}: ${name}`)
    }
  })
})
