import { randomUUID } from 'node:crypto'
import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { PROBLEM_CONTENT_TYPE, problemDocument, type ProblemInput } from '../../lib/problem.js'
import { HTTP_PROBLEMS } from '../../lib/problems/http.js'

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
  this.log.debug({ err: error, status: problem.problem.status }, 'client error below the router')
  // As Node does: answer unless a response to a request on this socket has already begun.
  const inFlight: unknown = Reflect.get(socket, '_httpMessage')
  const responseStarted = inFlight instanceof Object && Reflect.get(inFlight, 'headersSent') === true
  if (socket.writable && !responseStarted) {
    const { head, body } = rawProblem(problem, '/')
    const headers = Object.entries(head).map(([name, value]) => `${name}: ${value}\r\n`).join('')
    socket.write(`HTTP/1.1 ${problem.problem.status} ${STATUS_CODES[problem.problem.status] ?? ''}\r\n${headers}\r\n${body}`)
  }
  socket.destroy()
}

/**
 * `Expect` values other than 100-continue: Node answers 417 itself, with an empty body, unless
 * someone listens for 'checkExpectation'. Listening turns it into a problem too.
 */
export default fp(async function clientErrorPlugin (fastify) {
  fastify.server.on('checkExpectation', (request: IncomingMessage, response: ServerResponse) => {
    const { head, body } = rawProblem({ problem: HTTP_PROBLEMS.EXPECTATION_FAILED, detail: 'Only "Expect: 100-continue" is supported' }, request.url?.split('?')[0] ?? '/')
    response.writeHead(417, head)
    response.end(body)
  })
}, { name: 'client-error' })
