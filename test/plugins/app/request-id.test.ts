import { suite } from '../../helpers/suite.js'
import { buildTestApp } from '../../helpers/app.js'

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

export default suite(import.meta, (t) => {
  t.test('X-Request-Id is echoed when sane and generated otherwise', async (t) => {
    const app = await buildTestApp(t)

    const echoed = await app.inject({ method: 'GET', url: '/health/live', headers: { 'x-request-id': 'client-abc_123.4:5' } })
    t.equal(echoed.headers['x-request-id'], 'client-abc_123.4:5')

    const generated = await app.inject({ method: 'GET', url: '/health/live' })
    t.match(String(generated.headers['x-request-id']), UUID)

    for (const insane of ['has space', 'x'.repeat(129), '<script>', 'line\tbreak']) {
      const res = await app.inject({ method: 'GET', url: '/health/live', headers: { 'x-request-id': insane } })
      t.match(String(res.headers['x-request-id']), UUID, `replaces ${JSON.stringify(insane.slice(0, 20))}`)
    }

    const problem = await app.inject({ method: 'GET', url: '/nowhere', headers: { 'x-request-id': 'trace-42' } })
    t.equal(problem.json().request_id, 'trace-42', 'problem bodies carry the same id')
  })
})
