import net from 'node:net'
import { suite } from '../../helpers/suite.js'
import { buildTestApp } from '../../helpers/app.js'

interface RawAnswer { status: number, headers: Record<string, string>, body: string }

/** Writes `raw` on a new connection and reads the answer until the server closes it. */
async function rawExchange (port: number, raw: string): Promise<RawAnswer> {
  const text = await new Promise<string>((resolve, reject) => {
    const socket = net.connect({ port, host: '127.0.0.1' })
    let received = ''
    socket.on('data', (chunk: Buffer) => { received += chunk.toString('utf8') })
    socket.on('error', (error: NodeJS.ErrnoException) => { if (error.code === 'ECONNRESET' && received !== '') resolve(received); else reject(error) })
    socket.on('close', () => { resolve(received) })
    socket.write(raw)
  })
  const [head = '', body = ''] = text.split('\r\n\r\n', 2)
  const [statusLine = '', ...headerLines] = head.split('\r\n')
  const headers = Object.fromEntries(headerLines.map((line) => {
    const colon = line.indexOf(':')
    return [line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim()]
  }))
  return { status: Number(statusLine.split(' ')[1]), headers, body }
}

export default suite(import.meta, (t) => {
  t.test('answers made below the router are problem+json', async (t) => {
    const app = await buildTestApp(t)
    await app.listen({ port: 0, host: '127.0.0.1' })
    const address = app.server.address()
    if (address === null || typeof address !== 'object') throw new Error('no address')
    const port = address.port

    const cases: Array<{ name: string, raw: string, status: number, code: string }> = [
      { name: 'headers over 16 KiB', raw: `GET /api/products HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`, status: 431, code: 'HEADERS_TOO_LARGE' },
      { name: 'garbage request line', raw: 'HELLO THERE\r\n\r\n', status: 400, code: 'MALFORMED_REQUEST' },
      { name: 'bad HTTP version', raw: 'GET / HTTP/9.9\r\nHost: x\r\n\r\n', status: 400, code: 'MALFORMED_REQUEST' },
      { name: 'space in a header name', raw: 'GET / HTTP/1.1\r\nHost: x\r\nBad Header: y\r\n\r\n', status: 400, code: 'MALFORMED_REQUEST' },
      { name: 'Content-Length and chunked together', raw: 'POST /login HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n', status: 400, code: 'MALFORMED_REQUEST' },
      { name: 'chunk extensions over 16 KiB', raw: `POST /login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n1;ext=${'a'.repeat(20_000)}\r\n`, status: 413, code: 'PAYLOAD_TOO_LARGE' },
      { name: 'unsupported Expect', raw: 'POST /login HTTP/1.1\r\nHost: x\r\nExpect: telepathy\r\nContent-Length: 0\r\nConnection: close\r\n\r\n', status: 417, code: 'EXPECTATION_FAILED' }
    ]
    for (const { name, raw, status, code } of cases) {
      const res = await rawExchange(port, raw)
      t.equal(res.status, status, `${name}: ${status}`)
      t.match(res.headers['content-type'], /^application\/problem\+json/, `${name}: problem+json`)
      const body: Record<string, unknown> = JSON.parse(res.body)
      t.match(body, { type: `/problems/${code.toLowerCase().replaceAll('_', '-')}`, status, code, title: String, detail: String, instance: String, request_id: String }, name)
      t.equal(res.headers['x-request-id'], body.request_id, `${name}: the request id is in the header too`)
      t.equal(res.headers['content-length'], String(Buffer.byteLength(res.body)), `${name}: framed correctly`)
    }

    const alive = await rawExchange(port, 'GET /health/live HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')
    t.equal(alive.status, 200, 'still serving')
  })
})
