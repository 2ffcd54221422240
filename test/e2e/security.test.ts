import { suite } from '../helpers/suite.js'
import { apiClient } from './client.js'
import { adminClient, uniqueEmail } from './flows.js'
import { startServer } from '../helpers/server-process.js'
import { assertHeadersDeclared, recordExchanges } from './header-audit.js'

const ALLOWED_ORIGIN = 'https://shop.example.com'

export default suite(import.meta, async (t) => {
  recordExchanges(t)
  const server = await startServer(t, { CORS_ORIGINS: `${ALLOWED_ORIGIN},https://admin.example.com` })
  const ZERO_UUID = '00000000-0000-4000-8000-000000000000'

  interface DocumentOperation { method: string, path: string, secured: boolean }

  /** Every operation of the live document, and whether it declares bearer auth. */
  async function documentOperations (): Promise<DocumentOperation[]> {
    const doc: unknown = await (await fetch(`${server.baseUrl}/swagger/json`)).json()
    const paths = typeof doc === 'object' && doc !== null && 'paths' in doc && typeof doc.paths === 'object' && doc.paths !== null ? doc.paths : {}
    return Object.entries(paths).flatMap(([path, item]) => Object.entries(typeof item === 'object' && item !== null ? item : {})
      .filter(([method]) => ['get', 'post', 'put', 'patch', 'delete'].includes(method))
      .map(([method, operation]) => ({
        method: method.toUpperCase(),
        path,
        secured: typeof operation === 'object' && operation !== null && 'security' in operation && Array.isArray(operation.security) && operation.security.length > 0
      })))
  }

  t.test('public routes answer without a token', async (t) => {
    for (const path of ['/health/live', '/health/ready', '/help', '/swagger/json']) {
      const res = await fetch(`${server.baseUrl}${path}`)
      t.equal(res.status, 200, `${path} is public`)
    }
    // Production: /metrics only on the metrics listener (test/hostile/metrics-off-api-port.test.ts).
    t.equal((await fetch(`http://127.0.0.1:${server.metricsPort}/metrics`)).status, 200, '/metrics is public on the metrics port')
    const ui = await fetch(`${server.baseUrl}/swagger`, { redirect: 'follow' })
    t.equal(ui.status, 200, 'Swagger UI is served')
  })

  t.test('every operation the document marks as protected answers 401 without a token', async (t) => {
    const operations = await documentOperations()
    const secured = operations.filter((op) => op.secured)
    t.ok(secured.length >= 10, `the document declares protected operations (${secured.length})`)
    for (const op of secured) {
      const url = `${server.baseUrl}${op.path.replace(/\{[^}]+\}/g, ZERO_UUID)}`
      const res = await fetch(url, { method: op.method, ...(op.method === 'GET' || op.method === 'DELETE' ? {} : { headers: { 'content-type': 'application/json' }, body: '{}' }) })
      t.equal(res.status, 401, `${op.method} ${op.path} without a token`)
      t.match(res.headers.get('content-type'), /^application\/problem\+json/)
      t.match(await res.json(), { status: 401, code: 'TOKEN_MISSING' })
    }
    const unsecured = operations.filter((op) => !op.secured && (op.path.startsWith('/api/') || op.path === '/auth/me'))
    t.same(unsecured, [], 'nothing under /api (or /auth/me) is documented as public')
  })

  t.test('CORS: preflight from an allowed origin passes, others get no CORS headers', async (t) => {
    const preflight = (origin: string): Promise<Response> => fetch(`${server.baseUrl}/api/products`, {
      method: 'OPTIONS',
      headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type,idempotency-key' }
    })
    const allowed = await preflight(ALLOWED_ORIGIN)
    t.equal(allowed.status, 204)
    t.equal(allowed.headers.get('access-control-allow-origin'), ALLOWED_ORIGIN)
    t.match(allowed.headers.get('access-control-allow-headers'), /authorization/i)
    t.match(allowed.headers.get('access-control-allow-methods'), /POST/)
    t.equal(allowed.headers.get('vary')?.toLowerCase().includes('origin'), true, 'Vary: Origin')

    const denied = await preflight('https://evil.example.net')
    t.equal(denied.headers.get('access-control-allow-origin'), null, 'no allow-origin for a foreign origin')

    const simple = await fetch(`${server.baseUrl}/health/live`, { headers: { origin: ALLOWED_ORIGIN } })
    t.equal(simple.headers.get('access-control-allow-origin'), ALLOWED_ORIGIN)
    t.match(simple.headers.get('access-control-expose-headers'), /x-request-id/i, 'clients can read X-Request-Id')
  })

  t.test('security headers on API answers and on problems', async (t) => {
    for (const res of [await fetch(`${server.baseUrl}/health/live`), await fetch(`${server.baseUrl}/no/such/route`)]) {
      t.equal(res.headers.get('x-content-type-options'), 'nosniff')
      t.match(res.headers.get('content-security-policy'), /frame-ancestors 'none'/)
      t.match(res.headers.get('content-security-policy'), /default-src 'self'/)
      t.ok(res.headers.get('strict-transport-security') !== null, 'HSTS')
      t.ok(res.headers.get('x-frame-options') !== null, 'X-Frame-Options')
      t.ok(res.headers.get('referrer-policy') !== null, 'Referrer-Policy')
      t.equal(res.headers.get('x-powered-by'), null, 'no X-Powered-By')
    }
    const notFound = await fetch(`${server.baseUrl}/no/such/route`)
    t.equal(notFound.status, 404)
    t.match(await notFound.json(), { status: 404, code: 'NOT_FOUND', instance: '/no/such/route' })
  })

  t.test('X-Request-Id: a sane one is echoed (header and problem body), otherwise one is generated', async (t) => {
    const echoed = await fetch(`${server.baseUrl}/api/products`, { headers: { 'x-request-id': 'e2e-trace.42:abc' } })
    t.equal(echoed.headers.get('x-request-id'), 'e2e-trace.42:abc')
    t.match(await echoed.json(), { request_id: 'e2e-trace.42:abc' })

    const insane = await fetch(`${server.baseUrl}/health/live`, { headers: { 'x-request-id': 'x'.repeat(300) } })
    t.match(insane.headers.get('x-request-id'), /^[0-9a-f-]{36}$/, 'an oversized id is replaced by a UUID')
    const absent = await fetch(`${server.baseUrl}/health/live`)
    t.match(absent.headers.get('x-request-id'), /^[0-9a-f-]{36}$/)

    const admin = await adminClient(server.baseUrl)
    const typed = await admin.GET('/api/products', { headers: { 'x-request-id': 'typed-client-1' } })
    t.equal(typed.response.headers.get('x-request-id'), 'typed-client-1')
  })

  t.test('rate limits: /login has its own small budget, probes are never limited', async (t) => {
    const limited = await startServer(t, { RATE_LIMIT_AUTH_MAX: '3', RATE_LIMIT_MAX: '1000' })
    const anonymous = apiClient(limited.baseUrl)
    const attempt = () => anonymous.POST('/login', { body: { email: uniqueEmail('flood'), password: 'whatever-password' } })
    const statuses: number[] = []
    for (let i = 0; i < 3; i++) statuses.push((await attempt()).response.status)
    const refused = await attempt()
    statuses.push(refused.response.status)
    t.same(statuses, [401, 401, 401, 429], 'the fourth attempt from this client is refused')
    t.match(refused.response.headers.get('content-type'), /^application\/problem\+json/)
    t.match(refused.error, { status: 429, code: 'RATE_LIMITED' })
    t.ok(Number(refused.response.headers.get('retry-after')) >= 1, 'Retry-After in seconds')
    t.equal(refused.response.headers.get('ratelimit-limit'), '3')

    const other = await fetch(`${limited.baseUrl}/help`)
    t.equal(other.status, 200, 'the general budget is separate')
    for (let i = 0; i < 5; i++) t.equal((await fetch(`${limited.baseUrl}/health/live`)).status, 200, 'liveness is not limited')
    t.equal(await limited.stop(), 0, 'and it shuts down cleanly on SIGTERM (exit 0)')
  })

  t.test('every response header this file received is declared in the document', async (t) => {
    await assertHeadersDeclared(t, server.baseUrl)
  })
})
