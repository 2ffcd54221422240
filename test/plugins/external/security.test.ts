import { suite } from '../../helpers/suite.js'
import { buildTestApp } from '../../helpers/app.js'

export default suite(import.meta, (t) => {
  t.test('security headers are on every response, with a CSP Swagger UI works under', async (t) => {
    const app = await buildTestApp(t)
    for (const url of ['/health/live', '/swagger', '/no/such/route']) {
      const res = await app.inject({ method: 'GET', url })
      t.equal(res.headers['x-content-type-options'], 'nosniff', `${url} nosniff`)
      t.equal(res.headers['x-frame-options'], 'SAMEORIGIN', `${url} frame options`)
      t.match(String(res.headers['strict-transport-security']), /max-age=/, `${url} HSTS`)
      t.equal(res.headers['referrer-policy'], 'no-referrer', `${url} referrer policy`)
      const csp = String(res.headers['content-security-policy'])
      t.match(csp, /default-src 'self'/, `${url} CSP`)
      t.notMatch(csp, /upgrade-insecure-requests/, 'plain-HTTP deployments keep working')
      t.notOk(res.headers['x-powered-by'])
    }
  })

  t.test('Swagger UI and the OpenAPI document are served', async (t) => {
    const app = await buildTestApp(t)
    const ui = await app.inject({ method: 'GET', url: '/swagger' })
    t.equal(ui.statusCode, 200)
    t.match(ui.headers['content-type'], /text\/html/)
    t.match(ui.body, /swagger-ui/)
    const index = await app.inject({ method: 'GET', url: '/swagger/index.html' })
    t.equal(index.statusCode, 302)
    t.equal(index.headers.location, '/swagger')
    const initializer = await app.inject({ method: 'GET', url: '/swagger/static/swagger-initializer.js' })
    t.equal(initializer.statusCode, 200, 'scripts come from self, allowed by script-src')
    const doc = await app.inject({ method: 'GET', url: '/swagger/json' })
    t.equal(doc.statusCode, 200)
    t.equal(doc.json().openapi, '3.1.0')
    t.ok(doc.json().components.schemas.Problem, 'Problem is a named component')
    const paths = doc.json().paths
    const listProducts = paths['/api/products'].get.responses
    t.ok(listProducts['400'].content['application/problem+json'], 'errors are documented as problem+json')
    t.notOk(listProducts['400'].content['application/json'])
    t.ok(listProducts['200'].headers['RateLimit-Remaining'], 'rate-limited routes document RateLimit headers')
    t.ok(listProducts['429'].headers['Retry-After'], '429 documents Retry-After')
    t.notOk(paths['/health/live'].get.responses['200'].headers?.['RateLimit-Limit'], 'probes are not rate limited')
  })

  t.test('an OPTIONS that is not a CORS preflight is answered like any unserved method: a problem with X-Request-Id', async (t) => {
    const app = await buildTestApp(t, { env: { CORS_ORIGINS: 'https://shop.example' } })
    for (const headers of [{}, { origin: 'https://shop.example' }, { 'access-control-request-method': 'POST' }]) {
      const what = JSON.stringify(headers)
      const res = await app.inject({ method: 'OPTIONS', url: '/api/api-keys', headers })
      t.equal(res.statusCode, 405, `${what}: 405`)
      t.match(String(res.headers['content-type']), /^application\/problem\+json/, `${what}: problem+json`)
      t.match(res.json(), { code: 'METHOD_NOT_ALLOWED', request_id: res.headers['x-request-id'] })
      t.equal(res.headers.allow, 'GET, HEAD, POST', `${what}: Allow names the served methods`)
      t.notOk(res.headers['access-control-allow-methods'], `${what}: no preflight answer`)
      const unknown = await app.inject({ method: 'OPTIONS', url: '/no/such/route', headers })
      t.equal(unknown.statusCode, 404, `${what}: 404 on an unknown path`)
      t.equal(unknown.json().code, 'ROUTE_NOT_FOUND')
    }
    const actual = await app.inject({ method: 'OPTIONS', url: '/api/api-keys', headers: { origin: 'https://shop.example' } })
    t.equal(actual.headers['access-control-allow-origin'], 'https://shop.example', 'a cross-origin page can read the problem')

    const production = await buildTestApp(t, { env: { APP_ENV: 'production', MIGRATE_ON_START: 'true' } })
    const off = await production.inject({ method: 'OPTIONS', url: '/api/api-keys' })
    t.equal(off.statusCode, 405, 'the same answer with CORS off')
    t.equal(off.headers.allow, 'GET, HEAD, POST')
  })

  t.test('a preflight advertises only the methods served and the trace context headers, with X-Request-Id', async (t) => {
    const app = await buildTestApp(t, { env: { CORS_ORIGINS: 'https://shop.example' } })
    const res = await app.inject({
      method: 'OPTIONS',
      url: '/api/products',
      headers: { origin: 'https://shop.example', 'access-control-request-method': 'GET', 'access-control-request-headers': 'traceparent,tracestate', 'x-request-id': 'preflight-1' }
    })
    t.equal(res.statusCode, 204)
    t.equal(res.headers['x-request-id'], 'preflight-1', 'a preflight carries the request id too')
    const methods = String(res.headers['access-control-allow-methods']).split(', ')
    t.same(methods, ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'])
    const head = await app.inject({ method: 'HEAD', url: '/health/live', headers: { origin: 'https://shop.example' } })
    t.equal(head.statusCode, 200, 'HEAD is indeed served')
    t.equal(head.headers['access-control-allow-origin'], 'https://shop.example', 'with CORS headers')
    const headers = String(res.headers['access-control-allow-headers']).toLowerCase().split(', ')
    for (const name of ['traceparent', 'tracestate', 'authorization', 'idempotency-key']) t.ok(headers.includes(name), `${name} may be sent`)
  })

  t.test('CORS allows configured origins and denies others', async (t) => {
    const app = await buildTestApp(t, { env: { CORS_ORIGINS: 'https://shop.example,https://admin.example' } })
    const preflight = (origin: string) => app.inject({
      method: 'OPTIONS',
      url: '/api/products',
      headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' }
    })
    const allowed = await preflight('https://shop.example')
    t.equal(allowed.statusCode, 204)
    t.equal(allowed.headers['access-control-allow-origin'], 'https://shop.example')
    t.match(String(allowed.headers['access-control-allow-headers']), /Authorization/)

    const denied = await preflight('https://evil.example')
    t.notOk(denied.headers['access-control-allow-origin'], 'no allow-origin for an unknown origin')

    const simple = await app.inject({ method: 'GET', url: '/health/live', headers: { origin: 'https://admin.example' } })
    t.equal(simple.headers['access-control-allow-origin'], 'https://admin.example')
    t.match(String(simple.headers['access-control-expose-headers']), /X-Request-Id/)
    t.match(String(simple.headers['access-control-expose-headers']), /Deprecation, Sunset/, 'and the lifecycle headers of SPEC §8')
  })

  t.test('CORS_ORIGINS=*: any Origin is echoed up to the 2048 characters the document declares, a longer one gets no CORS headers', async (t) => {
    const app = await buildTestApp(t, { env: { CORS_ORIGINS: '*' } })
    const longest = `https://${'a'.repeat(2048 - 'https://'.length)}`
    for (const origin of ['https://anywhere.example', longest]) {
      const res = await app.inject({ method: 'GET', url: '/health/live', headers: { origin } })
      t.equal(res.headers['access-control-allow-origin'], origin, `an Origin of ${origin.length} characters is echoed`)
      t.match(String(res.headers['access-control-expose-headers']), /X-Request-Id/)
    }
    const tooLong = await app.inject({ method: 'GET', url: '/health/live', headers: { origin: `${longest}a` } })
    t.equal(tooLong.statusCode, 200)
    t.notOk(tooLong.headers['access-control-allow-origin'], 'an Origin over 2048 characters is not echoed')
    t.notOk(tooLong.headers['access-control-expose-headers'], 'nor exposed anything')
    t.equal(tooLong.headers.vary, 'Origin, accept-encoding', 'the answer still varies with Origin')
    const none = await app.inject({ method: 'GET', url: '/health/live' })
    t.notOk(none.headers['access-control-allow-origin'], 'no Origin, nothing echoed')
  })

  t.test('with no CORS origin allowed (the production default) no response carries CORS headers', async (t) => {
    const app = await buildTestApp(t, { env: { APP_ENV: 'production', MIGRATE_ON_START: 'true' } })
    t.same(app.config.corsOrigins, [])
    const preflight = await app.inject({
      method: 'OPTIONS',
      url: '/api/products',
      headers: { origin: 'https://shop.example', 'access-control-request-method': 'GET' }
    })
    t.ok(preflight.statusCode >= 400, `preflight refused (${preflight.statusCode})`)
    t.notOk(preflight.headers['access-control-allow-origin'])
    const simple = await app.inject({ method: 'GET', url: '/health/live', headers: { origin: 'https://shop.example' } })
    t.equal(simple.statusCode, 200)
    const corsHeaders = Object.keys(simple.headers).filter((name) => name.startsWith('access-control-'))
    t.same(corsHeaders, [], 'no Access-Control-*')
    t.equal(simple.headers.vary, 'accept-encoding', 'Vary names the coding only, not Origin')
    t.equal(simple.headers['x-content-type-options'], 'nosniff', 'security headers still set')
  })

  t.test('help lists the routes and points at the docs', async (t) => {
    const app = await buildTestApp(t)
    const res = await app.inject({ method: 'GET', url: '/help' })
    t.equal(res.statusCode, 200)
    const body = res.json()
    t.equal(body.name, 'GoShop API')
    t.match(body.version, /^\d+\.\d+\.\d+/)
    t.equal(body.docs.swagger_ui, '/swagger')
    const routes: Array<{ method: string, url: string }> = body.routes
    t.ok(routes.some((r) => r.method === 'GET' && r.url === '/health/ready'))
    t.notOk(routes.some((r) => r.url.startsWith('/swagger/static')), 'static assets are not listed')
  })

  t.test('metrics expose the HTTP histogram by route template and the business counters', async (t) => {
    const app = await buildTestApp(t)
    await app.inject({ method: 'GET', url: '/help' })
    await app.inject({ method: 'GET', url: '/products/3f1c9b2e-6a4d-4e8b-9c1a-2b7d5e8f0a13?secret=1' })
    await app.inject({ method: 'DELETE', url: '/help' })
    await app.inject({ method: 'GET', url: '/health/live' })
    const res = await app.inject({ method: 'GET', url: '/metrics' })
    t.equal(res.statusCode, 200)
    t.match(res.body, /http_request_duration_seconds_bucket\{[^}]*route="\/help"/)
    t.match(res.body, /http_request_duration_seconds_count\{method="GET",route="__unknown__",status_code="404"\} 1/, 'an unknown route counts, under one label')
    t.match(res.body, /http_request_duration_seconds_count\{method="DELETE",route="__unknown__",status_code="405"\} 1/, 'so does a wrong method')
    t.notMatch(res.body, /3f1c9b2e|secret=|\/products\//, 'never the raw URL')
    t.notMatch(res.body, /route="\/health\/live"/, 'probes are left out')
    for (const name of ['orders_created_total', 'order_revenue_cents_total', 'products_created_total', 'auth_login_total', 'auth_login_failed_total', 'process_cpu_seconds_total']) {
      t.match(res.body, new RegExp(`^${name} `, 'm'), name)
    }
  })
})
