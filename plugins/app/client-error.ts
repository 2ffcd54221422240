import { randomUUID } from 'node:crypto'
import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import type { ProblemBody } from '../../schemas/problem.js'
import { PROBLEM_CONTENT_TYPE, problemType } from '../../lib/problem.js'

interface BelowRouter { status: number, code: string, detail: string }

/** Node's parser errors (llhttp `HPE_*`, Node `ERR_*`) given a status and a stable public code. */
function describe (code: string | undefined): BelowRouter {
  switch (code) {
    case 'HPE_HEADER_OVERFLOW':
      return { status: 431, code: 'HEADERS_TOO_LARGE', detail: 'The request headers are larger than the server accepts' }
    case 'ERR_HTTP_REQUEST_TIMEOUT':
    case 'ERR_HTTP_HEADERS_TIMEOUT':
      return { status: 408, code: 'REQUEST_TIMEOUT', detail: 'The request was not received in time' }
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return { status: 413, code: 'PAYLOAD_TOO_LARGE', detail: 'The chunk extensions are larger than the server accepts' }
    default:
      return { status: 400, code: 'MALFORMED_REQUEST', detail: 'The request is not valid HTTP/1.1 (request line, headers or framing)' }
  }
}

/** A problem+json answer written by hand: these requests never became Fastify requests. */
function rawProblem ({ status, code, detail }: BelowRouter, instance: string): { head: Record<string, string>, body: string } {
  const requestId = randomUUID()
  const problem: ProblemBody = {
    type: problemType(code),
    title: STATUS_CODES[status] ?? 'Error',
    status,
    detail,
    instance,
    code,
    request_id: requestId
  }
  const body = JSON.stringify(problem)
  return {
    head: {
      'content-type': PROBLEM_CONTENT_TYPE,
      'content-length': String(Buffer.byteLength(body)),
      'x-request-id': requestId,
      connection: 'close'
    },
    body
  }
}

/**
 * Fastify's `clientErrorHandler`: errors Node's HTTP parser raises before any request exists
 * (headers too large -> 431, malformed request line or headers -> 400, slow client -> 408).
 * Fastify's default answers these as `application/json` in its own shape; here they are problems
 * like every other error. The connection is closed afterwards: the parser state is unusable.
 */
export function clientErrorHandler (this: FastifyInstance, error: Error & { code?: string }, socket: Socket): void {
  // A reset connection has nobody left to answer.
  if (error.code === 'ECONNRESET' || socket.destroyed) return
  const problem = describe(error.code)
  this.log.debug({ err: error, status: problem.status }, 'client error below the router')
  // As Node does: answer unless a response to a request on this socket has already begun.
  const inFlight: unknown = Reflect.get(socket, '_httpMessage')
  const responseStarted = inFlight instanceof Object && Reflect.get(inFlight, 'headersSent') === true
  if (socket.writable && !responseStarted) {
    const { head, body } = rawProblem(problem, '/')
    const headers = Object.entries(head).map(([name, value]) => `${name}: ${value}\r\n`).join('')
    socket.write(`HTTP/1.1 ${problem.status} ${STATUS_CODES[problem.status] ?? ''}\r\n${headers}\r\n${body}`)
  }
  socket.destroy()
}

/**
 * `Expect` values other than 100-continue: Node answers 417 itself, with an empty body, unless
 * someone listens for 'checkExpectation'. Listening turns it into a problem too.
 */
export default fp(async function clientErrorPlugin (fastify) {
  fastify.server.on('checkExpectation', (request: IncomingMessage, response: ServerResponse) => {
    const { head, body } = rawProblem({ status: 417, code: 'EXPECTATION_FAILED', detail: 'Only "Expect: 100-continue" is supported' }, request.url?.split('?')[0] ?? '/')
    response.writeHead(417, head)
    response.end(body)
  })
}, { name: 'client-error' })
