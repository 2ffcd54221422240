import type { FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { Test } from 'tap'
import { suite } from '../../helpers/suite.js'
import type { Response } from 'light-my-request'
import { Type } from 'typebox'
import { buildApp } from '../../../app.js'
import type { ProblemBody } from '../../../schemas/problem.js'
import { testAppOptions } from '../../helpers/app.js'
import type { TestContext } from '../../helpers/database.js'

/** An app with two extra routes: one that validates a body, one that throws. */
async function appWithProbeRoutes (t: TestContext): Promise<FastifyInstance> {
  const app = await buildApp(await testAppOptions(t))
  t.teardown(async () => { await app.close() })
  app.withTypeProvider<TypeBoxTypeProvider>().post('/probe', {
    schema: {
      body: Type.Object({
        quantity: Type.Integer({ minimum: 1 }),
        items: Type.Optional(Type.Array(Type.Object({ quantity: Type.Integer({ minimum: 1 }) }, { additionalProperties: false })))
      }, { additionalProperties: false })
    }
  }, async (request) => ({ quantity: request.body.quantity }))
  app.get('/boom', async () => { throw new Error('secret internal detail: password=hunter2') })
  await app.ready()
  return app
}

function assertProblem (t: Test, res: Response, status: number, code: string): ProblemBody {
  t.equal(res.statusCode, status, `status ${status}`)
  t.match(String(res.headers['content-type']), /^application\/problem\+json/)
  const body: ProblemBody = res.json()
  t.equal(body.status, status)
  t.equal(body.code, code)
  t.type(body.type, 'string')
  t.type(body.title, 'string')
  t.type(body.detail, 'string')
  t.type(body.instance, 'string')
  t.equal(body.request_id, res.headers['x-request-id'])
  return body
}

export default suite(import.meta, (t) => {
  t.test('problem+json for every client error', async (t) => {
    const app = await appWithProbeRoutes(t)

    t.test('400 validation: wrong type, no coercion in bodies, pointer to the field', async (t) => {
      const res = await app.inject({ method: 'POST', url: '/probe', payload: { quantity: '42' } })
      const body = assertProblem(t, res, 400, 'VALIDATION_FAILED')
      t.equal(body.errors?.[0]?.pointer, '/quantity')
      t.equal(body.errors?.[0]?.in, 'body')
    })

    t.test('400 validation: nested pointer', async (t) => {
      const res = await app.inject({ method: 'POST', url: '/probe', payload: { quantity: 1, items: [{ quantity: 1 }, { quantity: 0 }] } })
      const body = assertProblem(t, res, 400, 'VALIDATION_FAILED')
      t.ok(body.errors?.some((e) => e.pointer === '/items/1/quantity'))
    })

    t.test('400 validation: missing and unknown fields name the field', async (t) => {
      const res = await app.inject({ method: 'POST', url: '/probe', payload: { extra: true } })
      const body = assertProblem(t, res, 400, 'VALIDATION_FAILED')
      const pointers = body.errors?.map((e) => e.pointer) ?? []
      t.ok(pointers.includes('/quantity'), 'missing field')
      t.ok(pointers.includes('/extra'), 'unknown field')
    })

    t.test('400 malformed JSON', async (t) => {
      const res = await app.inject({ method: 'POST', url: '/probe', headers: { 'content-type': 'application/json' }, payload: '{"quantity": ' })
      assertProblem(t, res, 400, 'MALFORMED_JSON')
    })

    t.test('404 unknown route', async (t) => {
      const res = await app.inject({ method: 'GET', url: '/no/such/route?x=1' })
      const body = assertProblem(t, res, 404, 'ROUTE_NOT_FOUND')
      t.equal(body.instance, '/no/such/route')
    })

    t.test('405 known path, wrong method, with Allow', async (t) => {
      const res = await app.inject({ method: 'DELETE', url: '/health/live' })
      assertProblem(t, res, 405, 'METHOD_NOT_ALLOWED')
      t.match(String(res.headers.allow), /GET/)
    })

    t.test('404, not 405, when a route of the method matched and found nothing (a missing Swagger UI file)', async (t) => {
      t.equal((await app.inject({ method: 'GET', url: '/swagger/static/swagger-ui.css' })).statusCode, 200, 'the files are served there')
      for (const method of ['GET', 'HEAD'] as const) {
        const res = await app.inject({ method, url: '/swagger/static/does-not-exist.js' })
        t.equal(res.statusCode, 404, method)
        t.notOk(res.headers.allow, `${method}: no Allow header`)
        if (method === 'GET') assertProblem(t, res, 404, 'ROUTE_NOT_FOUND')
      }
    })

    t.test('413 body over 1 MiB', async (t) => {
      const res = await app.inject({ method: 'POST', url: '/probe', headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ quantity: 1, pad: 'x'.repeat(1024 * 1024) }) })
      assertProblem(t, res, 413, 'PAYLOAD_TOO_LARGE')
    })

    t.test('415 wrong content type', async (t) => {
      const res = await app.inject({ method: 'POST', url: '/probe', headers: { 'content-type': 'text/plain' }, payload: 'quantity=1' })
      assertProblem(t, res, 415, 'UNSUPPORTED_MEDIA_TYPE')
    })

    t.test('a valid request still works', async (t) => {
      const res = await app.inject({ method: 'POST', url: '/probe', payload: { quantity: 3 } })
      t.equal(res.statusCode, 200)
      t.same(res.json(), { quantity: 3 })
    })
  })

  t.test('a thrown error is a 500 problem without internals, and the app keeps serving', async (t) => {
    const app = await appWithProbeRoutes(t)
    const res = await app.inject({ method: 'GET', url: '/boom' })
    const body = assertProblem(t, res, 500, 'INTERNAL_ERROR')
    t.notMatch(res.body, /hunter2|secret internal|at .*\.ts/)
    t.notOk('stack' in body)
    const after = await app.inject({ method: 'GET', url: '/health/live' })
    t.equal(after.statusCode, 200)
  })
})
