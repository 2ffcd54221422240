import { randomUUID } from 'node:crypto'
import { STATUS_CODES, ServerResponse, type IncomingMessage } from 'node:http'
import type { Socket } from 'node:net'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { PROBLEM_CONTENT_TYPE, problemDocument, sendProblem, type ProblemInput } from '../../lib/problem.js'
import { HTTP_PROBLEMS } from '../../lib/problems/http.js'
import { SECURITY_HEADERS } from '../../lib/security-headers.js'
import { MAX_URL_LENGTH } from '../../schemas/bounds.js'

/** Node's parser errors (llhttp `HPE_*`, Node `ERR_*`) given a problem type. */
function describe (code: string | undefined): ProblemInput {
  switch (code) {
    case 'HPE_HEADER_OVERFLOW':
      return { problem: HTTP_PROBLEMS.HEADERS_TOO_LARGE, detail: 'The request headers are larger than the server accepts' }
    case 'ERR_HTTP_REQUEST_TIMEOUT':
    case 'ERR_HTTP_HEADERS_TIMEOUT':
      return { problem: HTTP_PROBLEMS.REQUEST_TIMEOUT, detail: 'The request was not received in time' }
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return { problem: HTTP_PROBLEMS.PAYLOAD_TOO_LARGE, detail: 'The chunk extensions are larger than the server accepts' }
    default:
      return { problem: HTTP_PROBLEMS.MALFORMED_REQUEST, detail: 'The request is not valid HTTP/1.1 (request line, headers or framing)' }
  }
}

/** A problem+json answer written by hand: these requests never became Fastify requests. */
function rawProblem (input: ProblemInput, instance: string): { head: Record<string, string>, body: string } {
  const requestId = randomUUID()
  const body = JSON.stringify(problemDocument(input, instance, requestId))
  return {
    head: {
      ...Object.fromEntries(SECURITY_HEADERS),
      'content-type': PROBLEM_CONTENT_TYPE,
      'content-length': String(Buffer.byteLength(body)),
      'x-request-id': requestId,
      connection: 'close'
    },
    body
  }
}

const HEAD_END = Buffer.from('\r\n\r\n')
/** `METHOD SP origin-form SP HTTP/1.x CRLF`: the path is printable ASCII and no longer than a URL we echo. */
const REQUEST_LINE = new RegExp(`^[!#$%&'*+.^_\`|~0-9A-Za-z-]{1,32} (/[\\x21-\\x7e]{0,${MAX_URL_LENGTH - 1}}) HTTP/1\\.[01]\\r\\n`)

/**
 * The path of the request the parser failed on, for the problem's `instance`, if its request line
 * is in the bytes Node hands over (`rawPacket`: the chunk being parsed, `bytesParsed`: where it
 * failed). That request starts after the last head ending before the failure (a pipelined request
 * before it in the same chunk ends there); a request line split off into an earlier chunk, or one
 * that is not valid, gives "/".
 */
export function failedRequestPath (rawPacket: unknown, bytesParsed: unknown): string {
  if (!Buffer.isBuffer(rawPacket) || typeof bytesParsed !== 'number') return '/'
  const failedAt = Math.max(0, Math.min(bytesParsed, rawPacket.length))
  const headEnd = rawPacket.subarray(0, failedAt).lastIndexOf(HEAD_END)
  const start = headEnd === -1 ? 0 : headEnd + HEAD_END.length
  // Enough for the longest request line REQUEST_LINE accepts; the rest is never decoded.
  const head = rawPacket.subarray(start, Math.min(failedAt, start + MAX_URL_LENGTH + 64)).toString('latin1')
  const path = REQUEST_LINE.exec(head)?.[1]
  return path?.split('?')[0] ?? '/'
}

/** Sockets whose error answer is written or waiting: the parser reports each later byte again. */
const answering = new WeakSet<Socket>()

/**
 * The response Node is writing on this socket for a request that arrived whole before the bad
 * bytes (a pipelined request), if any. A request whose own bytes broke (a stalled or malformed
 * body) is not complete: its response would never come, so the problem answers it.
 */
function completeRequestInFlight (socket: Socket): ServerResponse | undefined {
  const message: unknown = Reflect.get(socket, '_httpMessage')
  return message instanceof ServerResponse && !message.writableFinished && message.req.complete ? message : undefined
}

function answer (socket: Socket, problem: ProblemInput, instance: string): void {
  if (socket.destroyed) return
  const inFlight = completeRequestInFlight(socket)
  if (inFlight !== undefined) {
    // Answered in order: the valid request first, then (on 'finish' Node has moved to the next
    // pipelined response, if any) the problem for the bytes after it.
    inFlight.once('finish', () => { answer(socket, problem, instance) })
    inFlight.once('close', () => { if (!inFlight.writableFinished) socket.destroy() })
    return
  }
  // As Node does: write nothing into a response that has begun (the bytes would corrupt it).
  const current: unknown = Reflect.get(socket, '_httpMessage')
  const responseStarted = current instanceof ServerResponse && current.headersSent && !current.writableFinished
  if (socket.writable && !responseStarted) {
    const { head, body } = rawProblem(problem, instance)
    const headers = Object.entries(head).map(([name, value]) => `${name}: ${value}\r\n`).join('')
    socket.write(`HTTP/1.1 ${problem.problem.status} ${STATUS_CODES[problem.problem.status] ?? ''}\r\n${headers}\r\n${body}`)
  }
  socket.destroySoon()
}

/**
 * Fastify's `clientErrorHandler`: errors Node's HTTP parser raises before any request exists
 * (headers too large -> 431, malformed request line or headers -> 400, slow client -> 408).
 * Fastify's default answers these as `application/json` in its own shape; here they are problems
 * like every other error. The connection is closed afterwards: the parser state is unusable.
 * Bytes that break after a complete request on a keep-alive connection do not cost that request
 * its answer: it is answered normally, then the problem is written and the connection closed
 * (Node's default would answer the valid request with the 400 and destroy the socket under it).
 */
export function clientErrorHandler (this: FastifyInstance, error: Error & { code?: string, rawPacket?: unknown, bytesParsed?: unknown }, socket: Socket): void {
  // A reset connection has nobody left to answer.
  if (error.code === 'ECONNRESET' || socket.destroyed || answering.has(socket)) return
  answering.add(socket)
  const problem = describe(error.code)
  this.log.debug({ err: error, status: problem.problem.status }, 'client error below the router')
  answer(socket, problem, failedRequestPath(error.rawPacket, error.bytesParsed))
}

/**
 * `Expect` values other than 100-continue: Node answers 417 itself, with an empty body, unless
 * someone listens for 'checkExpectation'. Listening turns it into a problem too.
 * An HTTP/1.1 request without `Host` (RFC 9112 §3.2: answered 400): Node's own check writes a
 * bare 400, so app.ts turns it off (`requireHostHeader: false`) and the hook below answers
 * instead, as a problem with the request id and the security headers (their hook runs first).
 */
export default fp(async function clientErrorPlugin (fastify) {
  fastify.addHook('onRequest', function requireHost (request, reply, done) {
    if (request.raw.httpVersion !== '1.1' || request.raw.headers.host !== undefined) { done(); return }
    reply.header('connection', 'close')
    sendProblem(request, reply, { problem: HTTP_PROBLEMS.BAD_REQUEST, detail: 'An HTTP/1.1 request must carry a Host header' })
  })

  fastify.server.on('checkExpectation', (request: IncomingMessage, response: ServerResponse) => {
    const { head, body } = rawProblem({ problem: HTTP_PROBLEMS.EXPECTATION_FAILED, detail: 'Only "Expect: 100-continue" is supported' }, request.url?.split('?')[0] ?? '/')
    response.writeHead(417, head)
    response.end(body)
  })
}, { name: 'client-error' })
