import { suite } from '../helpers/suite.js'
import { hasSecurityHeaders, rawResponses } from '../helpers/raw-http.js'
import { ADMIN, startServer } from '../helpers/server-process.js'

/**
 * The low findings of issue 21, outside in: the built server in production mode, over raw
 * sockets where no HTTP client would send such bytes.
 */
export default suite(import.meta, (t) => {
  t.test('every response class is problem+json with X-Request-Id and the security headers; pipelined junk throws nothing', async (t) => {
    const server = await startServer(t)
    const cases: Array<{ name: string, raw: string, statuses: number[] }> = [
      { name: 'no Host header', raw: 'GET /health/live HTTP/1.1\r\n\r\n', statuses: [400] },
      { name: 'bad percent-encoding in the URL', raw: 'GET /api/products/%E0%A4%A HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', statuses: [400] },
      { name: 'over-long path parameter', raw: `GET /api/products/${'a'.repeat(300)} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`, statuses: [414] },
      { name: 'headers over 16 KiB', raw: `GET /health/live HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`, statuses: [431] },
      { name: 'garbage request line', raw: 'HELLO THERE\r\n\r\n', statuses: [400] },
      { name: 'unsupported Expect', raw: 'POST /login HTTP/1.1\r\nHost: x\r\nExpect: telepathy\r\nContent-Length: 0\r\nConnection: close\r\n\r\n', statuses: [417] },
      { name: 'a valid request, then junk on the same connection', raw: 'GET /help HTTP/1.1\r\nHost: x\r\n\r\nJUNK JUNK JUNK\r\n\r\n', statuses: [200, 400] }
    ]
    for (const { name, raw, statuses } of cases) {
      const started = performance.now()
      const answers = await rawResponses(server.port, raw)
      t.same(answers.map((answer) => answer.status), statuses, `${name}: ${statuses.join(', ')} (${Math.round(performance.now() - started)} ms)`)
      for (const answer of answers) {
        hasSecurityHeaders(t, answer.headers, `${name}: ${answer.status}`)
        t.ok(answer.headers['x-request-id'], `${name}: ${answer.status} has X-Request-Id`)
        if (answer.status < 400) continue
        t.match(answer.headers['content-type'], /^application\/problem\+json/, `${name}: problem+json`)
        t.equal(JSON.parse(answer.body).request_id, answer.headers['x-request-id'], `${name}: the same id in the body`)
      }
    }
    t.equal((await rawResponses(server.port, 'GET /health/live HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'))[0]?.status, 200, 'still serving')
    t.notMatch(server.output(), /TypeError|"level":(50|60)/, 'nothing logged at error level')
  })

  t.test('readiness, the password policy and the SSRF guard in production', async (t) => {
    const server = await startServer(t)
    const ready = await fetch(`${server.baseUrl}/health/ready`)
    const readiness = JSON.parse(await ready.text())
    t.equal(ready.status, 200)
    t.same(Object.keys(readiness.checks.postgres).sort(), ['latency_ms', 'status'], 'a check is its status and latency, no error text')

    const post = async (path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> =>
      await fetch(`${server.baseUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) })
    for (const password of ['a' + ' '.repeat(7), '  123456', '\u200b'.repeat(8), '\u3164'.repeat(8), '\uff50\uff41\uff53\uff53\uff57\uff4f\uff52\uff44', '\u0440\u0430ssw\u043erd']) {
      const res = await post('/register', { email: 'hostile.low@example.com', password })
      t.equal(res.status, 400, `${JSON.stringify(password)}: 400`)
      t.equal(JSON.parse(await res.text()).code, 'WEAK_PASSWORD', JSON.stringify(password))
    }

    const login = JSON.parse(await (await post('/login', { email: ADMIN.email, password: ADMIN.password })).text())
    const admin = { authorization: `Bearer ${String(login.access_token)}` }
    for (const host of ['[::ffff:169.254.169.254]', '[64:ff9b::a9fe:a9fe]', '[2002:a9fe:a9fe::1]', '[::7f00:1]', '[fec0::1]', '[64:ff9b:1::1]']) {
      const res = await post('/api/webhooks', { url: `https://${host}/hook`, events: ['order.created'] }, admin)
      t.equal(res.status, 422, `https://${host}/hook is refused`)
      t.equal(JSON.parse(await res.text()).code, 'WEBHOOK_URL_NOT_ALLOWED', host)
    }
    // A public IP literal: in production a name must resolve when it is registered, and this machine may have no DNS.
    const allowed = await post('/api/webhooks', { url: 'https://93.184.216.34/hook', events: ['order.created'] }, admin)
    t.equal(allowed.status, 201, 'a public https target is accepted')
  })
})
