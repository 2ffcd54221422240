import { suite } from '../helpers/suite.js'
import { connectionRefused, request, startServer } from '../helpers/server-process.js'

export default suite(import.meta, (t) => {
  t.test('production: /metrics answers 404 on the API port and 200 on the metrics listener, which closes with the app', async (t) => {
    const server = await startServer(t)
    t.not(server.metricsPort, server.port)
    t.equal((await request(server.port, 'GET', '/help')).status, 200)

    const onApi = await request(server.port, 'GET', '/metrics')
    t.equal(onApi.status, 404, 'API port: 404')
    t.match(String(onApi.headers['content-type']), /^application\/problem\+json/)
    t.equal(JSON.parse(onApi.body).code, 'ROUTE_NOT_FOUND', 'like any unknown route')
    t.notMatch(onApi.body, /process_cpu/, 'no metrics on the API port')
    t.ok(onApi.headers['ratelimit-remaining'], 'and rate limited like any unknown route')

    const scraped = await request(server.metricsPort, 'GET', '/metrics')
    t.equal(scraped.status, 200, 'metrics port: 200')
    t.match(String(scraped.headers['content-type']), /^text\/plain/)
    t.match(scraped.body, /^process_cpu_user_seconds_total /m, 'process metrics')
    t.match(scraped.body, /^http_request_duration_seconds_bucket\{.*route="\/help"/m, 'the route histogram')
    t.match(scraped.body, /^orders_created_total /m, 'business counters')

    const elsewhere = await request(server.metricsPort, 'GET', '/api/products')
    t.equal(elsewhere.status, 404, 'the metrics listener serves nothing else')
    t.equal(JSON.parse(elsewhere.body).code, 'ROUTE_NOT_FOUND')
    const post = await request(server.metricsPort, 'POST', '/metrics')
    t.equal(post.status, 405)
    t.equal(post.headers.allow, 'GET, HEAD')
    const head = await request(server.metricsPort, 'HEAD', '/metrics')
    t.equal(head.status, 200, 'HEAD as GET')
    t.match(String(head.headers['content-type']), /^text\/plain/)
    t.equal(head.body, '', 'without the body')

    t.equal(await server.stop(), 0, 'graceful exit')
    t.ok(await connectionRefused(server.metricsPort), 'the metrics listener closed with the app')
  })
})
