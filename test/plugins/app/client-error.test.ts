import { suite } from '../../helpers/suite.js'
import { buildTestApp } from '../../helpers/app.js'
import { captureLogs } from '../../helpers/log-capture.js'
import { declaredContract } from '../../helpers/declared.js'
import { hasSecurityHeaders, rawResponses, type RawAnswer } from '../../helpers/raw-http.js'
import { failedRequestPath } from '../../../plugins/app/client-error.js'
import { MAX_URL_LENGTH } from '../../../schemas/bounds.js'

/** The one answer to `raw` on a new connection. */
async function rawExchange (port: number, raw: string): Promise<RawAnswer> {
  const [first] = await rawResponses(port, raw)
  if (first === undefined) throw new Error('no answer')
  return first
}

export default suite(import.meta, (t) => {
  t.test('an HTTP/1.1 request without Host: a 400 problem with the request id and the security headers, then close', async (t) => {
    const app = await buildTestApp(t)
    await app.listen({ port: 0, host: '127.0.0.1' })
    const address = app.server.address()
    if (address === null || typeof address !== 'object') throw new Error('no address')
    for (const raw of ['GET /health/live HTTP/1.1\r\n\r\n', 'POST /login HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}', 'GET /no/such/route HTTP/1.1\r\nX-Request-Id: no-host-1\r\n\r\n']) {
      const answers = await rawResponses(address.port, raw)
      const name = raw.split('\r\n')[0] ?? ''
      t.same(answers.map((answer) => answer.status), [400], `${name}: one 400, then the connection closes`)
      const [res] = answers
      if (res === undefined) continue
      t.match(res.headers['content-type'], /^application\/problem\+json/, name)
      const body: Record<string, unknown> = JSON.parse(res.body)
      t.match(body, { status: 400, code: 'BAD_REQUEST', detail: /Host/, request_id: String }, name)
      t.equal(res.headers['x-request-id'], body.request_id, `${name}: the request id in the header and the body`)
      t.equal(res.headers.connection, 'close', name)
      hasSecurityHeaders(t, res.headers, name)
    }
    const [http10] = await rawResponses(address.port, 'GET /health/live HTTP/1.0\r\n\r\n')
    t.equal(http10?.status, 200, 'HTTP/1.0 has no Host requirement')
    const [withHost] = await rawResponses(address.port, 'GET /health/live HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')
    t.equal(withHost?.status, 200)
  })

  t.test('router errors (bad URL 400, over-long path parameter 414) carry the security headers and the request id', async (t) => {
    const app = await buildTestApp(t)
    for (const [url, status, code] of [['/api/products/%E0%A4%A', 400, 'INVALID_URL'], [`/api/products/${'a'.repeat(300)}`, 414, 'URI_TOO_LONG']] as const) {
      const res = await app.inject({ method: 'GET', url, headers: { 'x-request-id': `router-${status}` } })
      t.equal(res.statusCode, status, url.slice(0, 40))
      t.match(res.json(), { code, request_id: `router-${status}` })
      t.equal(res.headers['x-request-id'], `router-${status}`)
      hasSecurityHeaders(t, res.headers, code)
    }
  })

  t.test('router errors and unknown routes log their completion line (status, response time) like every request', async (t) => {
    const logs = captureLogs()
    const app = await buildTestApp(t, { env: { LOG_LEVEL: 'info' }, logStream: logs.stream })
    const cases = [['/api/products/%zz', 400, 'bad-url'], [`/api/products/${'a'.repeat(300)}`, 414, 'long-param'], ['/no/such/route', 404, 'unknown-route']] as const
    for (const [url, status, id] of cases) {
      t.equal((await app.inject({ method: 'GET', url, headers: { 'x-request-id': id } })).statusCode, status, id)
    }
    await new Promise((resolve) => setImmediate(resolve))
    for (const [, status, id] of cases) {
      const lines = logs.lines().filter((line) => line.reqId === id)
      t.equal(lines.filter((line) => line.msg === 'incoming request').length, 1, `${id}: one incoming line`)
      const completed = lines.filter((line) => line.msg === 'request completed')
      t.equal(completed.length, 1, `${id}: one completion line`)
      t.match(completed[0], { level: 30, res: { statusCode: status }, responseTime: Number }, id)
    }
  })

  t.test('junk after valid pipelined requests: each valid one is answered normally, then the junk gets its 400 and the connection closes; nothing throws', async (t) => {
    const logs = captureLogs()
    // At warn, request logging does not read the client address early (which would hide the bug).
    const app = await buildTestApp(t, { env: { LOG_LEVEL: 'warn' }, logStream: logs.stream })
    await app.listen({ port: 0, host: '127.0.0.1' })
    const address = app.server.address()
    if (address === null || typeof address !== 'object') throw new Error('no address')

    const cases: Array<{ name: string, raw: string, statuses: number[] }> = [
      { name: 'one GET then junk', raw: 'GET /help HTTP/1.1\r\nHost: x\r\n\r\nJUNK JUNK JUNK\r\n\r\n', statuses: [200, 400] },
      { name: 'two GETs then junk', raw: 'GET /health/live HTTP/1.1\r\nHost: x\r\n\r\nGET /help HTTP/1.1\r\nHost: x\r\n\r\n\x00\x01\x02garbage', statuses: [200, 200, 400] },
      { name: 'a POST with its body then a bad request line', raw: 'POST /login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}GET / HTTP/9.9\r\n\r\n', statuses: [400, 400] },
      { name: 'junk inside a chunked body (the request itself is broken)', raw: 'POST /login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n', statuses: [400] }
    ]
    for (const { name, raw, statuses } of cases) {
      const answers = await rawResponses(address.port, raw)
      t.same(answers.map((answer) => answer.status), statuses, `${name}: ${statuses.join(', ')}`)
      const junk = answers.at(-1)
      t.match(junk?.headers['content-type'], /^application\/problem\+json/, `${name}: the junk's answer is a problem`)
      t.match(JSON.parse(junk?.body ?? '{}'), { code: 'MALFORMED_REQUEST', request_id: String }, name)
      for (const answer of answers) hasSecurityHeaders(t, answer.headers, `${name}: ${answer.status}`)
    }
    const help = (await rawResponses(address.port, 'GET /help HTTP/1.1\r\nHost: x\r\n\r\nJUNK\r\n\r\n'))[0]
    t.match(JSON.parse(help?.body ?? '{}'), { name: String, routes: Array }, 'the valid request got its real body')
    t.match(help?.headers['ratelimit-limit'], /^[0-9]+$/, 'and was counted by the rate limiter')
    t.same(logs.lines().filter((line) => Number(line.level) >= 50), [], 'nothing logged at error level (no TypeError)')
  })

  t.test('answers made below the router are problem+json', async (t) => {
    const app = await buildTestApp(t)
    await app.listen({ port: 0, host: '127.0.0.1' })
    const address = app.server.address()
    if (address === null || typeof address !== 'object') throw new Error('no address')
    const port = address.port

    // `instance` is the request's path when its request line can be read, else "/".
    const cases: Array<{ name: string, raw: string, status: number, code: string, instance: string }> = [
      { name: 'headers over 16 KiB', raw: `GET /api/products?limit=5 HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`, status: 431, code: 'HEADERS_TOO_LARGE', instance: '/api/products' },
      { name: 'a 60 KB Authorization header', raw: `GET /api/products/3f1c9b2e-6a4d-4e8b-9c1a-2b7d5e8f0a13 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${'a'.repeat(60_000)}\r\n\r\n`, status: 431, code: 'HEADERS_TOO_LARGE', instance: '/api/products/3f1c9b2e-6a4d-4e8b-9c1a-2b7d5e8f0a13' },
      { name: 'garbage request line', raw: 'HELLO THERE\r\n\r\n', status: 400, code: 'MALFORMED_REQUEST', instance: '/' },
      { name: 'bad HTTP version', raw: 'GET /help HTTP/9.9\r\nHost: x\r\n\r\n', status: 400, code: 'MALFORMED_REQUEST', instance: '/' },
      { name: 'space in a header name', raw: 'GET /help HTTP/1.1\r\nHost: x\r\nBad Header: y\r\n\r\n', status: 400, code: 'MALFORMED_REQUEST', instance: '/help' },
      { name: 'Content-Length and chunked together', raw: 'POST /login HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n', status: 400, code: 'MALFORMED_REQUEST', instance: '/login' },
      // The failure is in the body, past the head: the bytes Node hands over no longer hold the request line.
      { name: 'chunk extensions over 16 KiB', raw: `POST /login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n1;ext=${'a'.repeat(20_000)}\r\n`, status: 413, code: 'PAYLOAD_TOO_LARGE', instance: '/' },
      { name: 'unsupported Expect', raw: 'POST /login HTTP/1.1\r\nHost: x\r\nExpect: telepathy\r\nContent-Length: 0\r\nConnection: close\r\n\r\n', status: 417, code: 'EXPECTATION_FAILED', instance: '/login' }
    ]
    for (const { name, raw, status, code, instance } of cases) {
      const res = await rawExchange(port, raw)
      t.equal(res.status, status, `${name}: ${status}`)
      t.match(res.headers['content-type'], /^application\/problem\+json/, `${name}: problem+json`)
      const body: Record<string, unknown> = JSON.parse(res.body)
      t.match(body, { type: `/problems/${code.toLowerCase().replaceAll('_', '-')}`, status, code, title: String, detail: String, request_id: String }, name)
      t.equal(body.instance, instance, `${name}: instance ${instance}`)
      t.equal(res.headers['x-request-id'], body.request_id, `${name}: the request id is in the header too`)
      t.equal(res.headers['content-length'], String(Buffer.byteLength(res.body)), `${name}: framed correctly`)
      hasSecurityHeaders(t, res.headers, name)
    }

    const alive = await rawExchange(port, 'GET /health/live HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')
    t.equal(alive.status, 200, 'still serving')
  })

  t.test('what is answered below the router to a GET operation is declared on it: status, code and every header', async (t) => {
    const app = await buildTestApp(t, { env: { HEADERS_TIMEOUT_MS: '1000', REQUEST_TIMEOUT_MS: '1000' } })
    await app.listen({ port: 0, host: '127.0.0.1' })
    const address = app.server.address()
    if (address === null || typeof address !== 'object') throw new Error('no address')
    const contract = declaredContract((await app.inject({ method: 'GET', url: '/swagger/json' })).json())
    // GET /health/live: no body, no parameters, no auth, not rate limited; still every one of these can answer it.
    const cases: Array<{ name: string, raw: string, status: number, code: string }> = [
      { name: 'not valid HTTP', raw: 'GET /health/live HTTP/1.1\r\nHost: x\r\nBad Header: y\r\n\r\n', status: 400, code: 'MALFORMED_REQUEST' },
      { name: 'no Host', raw: 'GET /health/live HTTP/1.1\r\n\r\n', status: 400, code: 'BAD_REQUEST' },
      { name: 'headers too slow', raw: 'GET /health/live HTTP/1.1\r\nHost: x\r\n', status: 408, code: 'REQUEST_TIMEOUT' },
      { name: 'a chunked GET body with chunk extensions over 16 KiB', raw: `GET /health/live HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n1;ext=${'a'.repeat(20_000)}\r\n`, status: 413, code: 'PAYLOAD_TOO_LARGE' },
      { name: 'unsupported Expect', raw: 'GET /health/live HTTP/1.1\r\nHost: x\r\nExpect: telepathy\r\nConnection: close\r\n\r\n', status: 417, code: 'EXPECTATION_FAILED' },
      { name: 'headers over 16 KiB', raw: `GET /health/live HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`, status: 431, code: 'HEADERS_TOO_LARGE' }
    ]
    for (const { name, raw, status, code } of cases) {
      const res = await rawExchange(address.port, raw)
      const body: Record<string, unknown> = JSON.parse(res.body)
      t.match({ status: res.status, code: body.code }, { status, code }, `${name}: ${status} ${code}`)
      const answer = { method: 'GET', pathname: '/health/live', status: res.status, headers: Object.keys(res.headers), code: String(body.code) }
      t.same(contract.undeclared(answer), [], `${name}: declared on GET /health/live`)
    }
  })

  t.test('the failed request\'s path is read from the bytes Node hands over only when its request line is there and sane', async (t) => {
    const at = (raw: string, failedAt = raw.length): string => failedRequestPath(Buffer.from(raw, 'latin1'), failedAt)
    const big = `X: ${'a'.repeat(100)}`
    t.equal(at(`GET /api/orders?limit=5 HTTP/1.1\r\nHost: x\r\n${big}`), '/api/orders', 'the query is dropped')
    t.equal(at(`GET /help HTTP/1.1\r\nHost: x\r\n\r\nGET /api/customers HTTP/1.1\r\n${big}`), '/api/customers', 'a pipelined request before it in the chunk is skipped')
    t.equal(at(`GET /help HTTP/1.1\r\nHost: x\r\n\r\nGET /api/customers HTTP/1.1\r\n${big}`, 20), '/help', 'the request the parser was in when it failed')
    t.equal(at(big), '/', 'a later chunk of the headers: no request line')
    t.equal(at(`GET /${'a'.repeat(MAX_URL_LENGTH)} HTTP/1.1\r\n${big}`), '/', 'a path longer than a URL we echo')
    t.equal(at(`GET /a${'\u00e9'} HTTP/1.1\r\n${big}`), '/', 'a byte outside printable ASCII')
    t.equal(at(`GET http://evil.example/x HTTP/1.1\r\n${big}`), '/', 'absolute-form')
    t.equal(at(`GET /x HTTP/1.1${big}`), '/', 'an unterminated request line')
    t.equal(failedRequestPath(undefined, 10), '/', 'no bytes')
    t.equal(failedRequestPath(Buffer.from('GET /x HTTP/1.1\r\n'), undefined), '/', 'no failure position')
  })
})
