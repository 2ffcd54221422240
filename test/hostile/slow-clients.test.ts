import net from 'node:net'
import { suite } from '../helpers/suite.js'
import { request, startServer } from '../helpers/server-process.js'

const HEADERS_TIMEOUT_MS = 1000
const REQUEST_TIMEOUT_MS = 2000
const KEEP_ALIVE_TIMEOUT_MS = 1000
/** Only there to end a hung test: far above any deadline under test. */
const HANG_BOUND_MS = 20_000

interface Outcome { response: string, closedAfterMs: number }

/** Writes `parts` to a new connection, then waits (stalled) until the server closes it. */
async function stall (port: number, parts: string[]): Promise<Outcome> {
  const socket = net.connect({ host: '127.0.0.1', port })
  await new Promise((resolve) => socket.once('connect', resolve))
  const started = Date.now()
  let response = ''
  socket.setEncoding('utf8')
  socket.on('data', (chunk: string) => { response += chunk })
  for (const part of parts) socket.write(part)
  return await new Promise((resolve, reject) => {
    const hang = setTimeout(() => { socket.destroy(); reject(new Error(`the server kept the connection open for ${HANG_BOUND_MS} ms; got: ${response}`)) }, HANG_BOUND_MS)
    socket.once('close', () => { clearTimeout(hang); resolve({ response, closedAfterMs: Date.now() - started }) })
    socket.on('error', () => {})
  })
}

function problemOf (response: string): { status: number, headers: string, body: Record<string, unknown> } {
  const [head = '', body = ''] = response.split('\r\n\r\n')
  return { status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1]), headers: head.toLowerCase(), body: JSON.parse(body) }
}

export default suite(import.meta, (t) => {
  t.test('slow and stalled clients get 408 and their connection closed; idle keep-alive connections close', async (t) => {
    const server = await startServer(t, {
      HEADERS_TIMEOUT_MS: String(HEADERS_TIMEOUT_MS),
      REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
      KEEP_ALIVE_TIMEOUT_MS: String(KEEP_ALIVE_TIMEOUT_MS)
    })

    t.test('a body stalled mid-way: 408 problem after REQUEST_TIMEOUT_MS, socket closed', async (t) => {
      const body = JSON.stringify({ email: 'slow@example.com', password: 'x'.repeat(60) })
      const { response, closedAfterMs } = await stall(server.port, [
        `POST /login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`,
        body.slice(0, 20)
      ])
      const problem = problemOf(response)
      t.equal(problem.status, 408, '408')
      t.equal(problem.body.code, 'REQUEST_TIMEOUT')
      t.match(problem.headers, /content-type: application\/problem\+json/)
      t.match(problem.headers, /x-request-id: /)
      t.ok(closedAfterMs >= REQUEST_TIMEOUT_MS - 100, `not before the deadline (${closedAfterMs} ms)`)
      t.comment(`stalled body answered and closed after ${closedAfterMs} ms (REQUEST_TIMEOUT_MS=${REQUEST_TIMEOUT_MS})`)
    })

    t.test('a body dripped a byte at a time still ends at REQUEST_TIMEOUT_MS', async (t) => {
      const socket = net.connect({ host: '127.0.0.1', port: server.port })
      await new Promise((resolve) => socket.once('connect', resolve))
      let response = ''
      socket.setEncoding('utf8')
      socket.on('data', (chunk: string) => { response += chunk })
      socket.on('error', () => {})
      socket.write('POST /login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n')
      // Steady progress does not extend the deadline: the whole request must arrive within it.
      const drip = setInterval(() => { if (socket.writable) socket.write(' ') }, 100)
      const hang = setTimeout(() => { socket.destroy() }, HANG_BOUND_MS)
      await new Promise((resolve) => socket.once('close', resolve))
      clearInterval(drip)
      clearTimeout(hang)
      t.equal(problemOf(response).status, 408, '408 although bytes kept coming')
    })

    t.test('headers stalled mid-way: 408 problem after HEADERS_TIMEOUT_MS, socket closed', async (t) => {
      const { response, closedAfterMs } = await stall(server.port, ['GET /health/live HTTP/1.1\r\nHost: x\r\nX-Slow: '])
      const problem = problemOf(response)
      t.equal(problem.status, 408, '408')
      t.equal(problem.body.code, 'REQUEST_TIMEOUT')
      t.ok(closedAfterMs >= HEADERS_TIMEOUT_MS - 100, `not before the deadline (${closedAfterMs} ms)`)
      t.comment(`stalled headers answered and closed after ${closedAfterMs} ms (HEADERS_TIMEOUT_MS=${HEADERS_TIMEOUT_MS})`)
    })

    t.test('an idle keep-alive connection is closed by the server after KEEP_ALIVE_TIMEOUT_MS', async (t) => {
      const { response } = await stall(server.port, ['GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n'])
      t.match(response, /^HTTP\/1\.1 200 /, 'the request was answered, then the idle connection closed')
    })

    t.test('a request that arrives in time is served, and the server still serves others', async (t) => {
      t.equal((await request(server.port, 'GET', '/health/live')).status, 200)
      t.notMatch(server.output(), /"level":(50|60)/, `nothing logged at error level:\n${server.output()}`)
    })
  })
})
