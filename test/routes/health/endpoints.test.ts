import { suite } from '../../helpers/suite.js'
import { buildTestApp } from '../../helpers/app.js'

export default suite(import.meta, (t) => {
  t.test('liveness answers ok', async (t) => {
    const app = await buildTestApp(t)
    const res = await app.inject({ method: 'GET', url: '/health/live' })
    t.equal(res.statusCode, 200)
    t.same(res.json(), { status: 'ok' })
  })

  t.test('readiness reports postgres and redis with latency', async (t) => {
    const app = await buildTestApp(t)
    const res = await app.inject({ method: 'GET', url: '/health/ready' })
    t.equal(res.statusCode, 200)
    const body = res.json()
    t.equal(body.status, 'ready')
    t.equal(body.checks.postgres.status, 'up')
    t.equal(body.checks.redis.status, process.env.REDIS_URL !== undefined ? 'up' : 'embedded')
    t.type(body.checks.postgres.latency_ms, 'number')
  })
})
