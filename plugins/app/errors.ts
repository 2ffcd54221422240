import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { errorCode, isDataException, isTransientDatabaseError } from '../../db/errors.js'
import { AppError } from '../../lib/app-error.js'
import { sendProblem, type ProblemInput } from '../../lib/problem.js'
import type { ProblemDefinition } from '../../lib/problems/define.js'
import { HTTP_PROBLEMS } from '../../lib/problems/http.js'
import { toFieldErrors } from '../../lib/validation-errors.js'

/**
 * Fastify's own client errors, given problem types. A Content-Length that does not match the
 * body is a framing error like the ones Node's parser reports (MALFORMED_REQUEST).
 */
const FASTIFY_PROBLEMS: Record<string, ProblemDefinition> = {
  // @fastify/compress: a gzip/deflate body that does not decompress.
  FST_CP_ERR_INVALID_CONTENT: HTTP_PROBLEMS.BAD_REQUEST,
  FST_ERR_CTP_BODY_TOO_LARGE: HTTP_PROBLEMS.PAYLOAD_TOO_LARGE,
  FST_ERR_CTP_INVALID_MEDIA_TYPE: HTTP_PROBLEMS.UNSUPPORTED_MEDIA_TYPE,
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: HTTP_PROBLEMS.MALFORMED_REQUEST,
  FST_ERR_CTP_EMPTY_JSON_BODY: HTTP_PROBLEMS.MALFORMED_JSON,
  FST_ERR_CTP_INVALID_JSON_BODY: HTTP_PROBLEMS.MALFORMED_JSON,
  FST_ERR_CTP_MALFORMED_JSON_BODY: HTTP_PROBLEMS.MALFORMED_JSON,
  FST_ERR_NOT_FOUND: HTTP_PROBLEMS.NOT_FOUND
}

const CONNECTION_ERRNOS = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND'])

function isRecord (value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null
}

/** Other client errors of plugins, by status; any 4xx without a problem type of its own is a 400. */
const STATUS_PROBLEMS: Record<number, ProblemDefinition> = {
  404: HTTP_PROBLEMS.NOT_FOUND,
  413: HTTP_PROBLEMS.PAYLOAD_TOO_LARGE,
  415: HTTP_PROBLEMS.UNSUPPORTED_MEDIA_TYPE
}

function isDatabaseUnavailable (error: unknown): boolean {
  if (!isRecord(error)) return false
  if (isTransientDatabaseError(error) || CONNECTION_ERRNOS.has(errorCode(error))) return true
  const message = typeof error.message === 'string' ? error.message : ''
  return /timeout exceeded when trying to connect|Connection terminated/i.test(message)
}

function describe (error: FastifyError): ProblemInput & { headers?: Record<string, string> } {
  if (error instanceof AppError) {
    return { problem: error.problem, detail: error.message, errors: error.errors, extensions: error.extensions, headers: error.headers }
  }
  if (error.validation !== undefined) {
    const errors = toFieldErrors(error.validation, error.validationContext)
    const first = errors[0]
    const detail = first === undefined
      ? error.message
      : `${error.validationContext ?? 'body'}${first.pointer} ${first.detail}${errors.length > 1 ? ` (and ${errors.length - 1} more)` : ''}`
    return { problem: HTTP_PROBLEMS.VALIDATION_FAILED, detail, errors }
  }
  if (error instanceof SyntaxError) return { problem: HTTP_PROBLEMS.MALFORMED_JSON, detail: 'The request body is not valid JSON' }
  if (isDataException(error)) return { problem: HTTP_PROBLEMS.INVALID_INPUT, detail: 'A value in the request cannot be stored (for example a NUL character)' }
  // Node's own error on a request body whose connection closed mid-way (the client hung up, or
  // its connection was closed over malformed bytes): the client's doing, not a dependency's.
  if (error.code === 'ECONNRESET' && error.message === 'aborted') {
    return { problem: HTTP_PROBLEMS.BAD_REQUEST, detail: 'The connection closed before the whole request arrived' }
  }
  if (isDatabaseUnavailable(error)) {
    return { problem: HTTP_PROBLEMS.SERVICE_UNAVAILABLE, detail: 'A dependency is temporarily unavailable; retry shortly', headers: { 'retry-after': '1' } }
  }
  const status = typeof error.statusCode === 'number' ? error.statusCode : 500
  if (status >= 400 && status < 500) {
    return { problem: FASTIFY_PROBLEMS[error.code] ?? STATUS_PROBLEMS[status] ?? HTTP_PROBLEMS.BAD_REQUEST, detail: error.message }
  }
  return { problem: HTTP_PROBLEMS.INTERNAL_ERROR, detail: 'An unexpected error occurred; quote the request_id when reporting it' }
}

/**
 * The client hung up before its body arrived (a body stalled past REQUEST_TIMEOUT_MS is cut this
 * way): Node aborts the body stream with ECONNRESET. Not a database trouble, not a failure here.
 */
const clientGone = (error: FastifyError, request: FastifyRequest): boolean => request.raw.destroyed && error.code === 'ECONNRESET'

function handleError (this: FastifyInstance, error: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (clientGone(error, request)) {
    request.log.info({ code: 'CLIENT_CLOSED' }, 'the client closed the connection before its request arrived')
    return sendProblem(request, reply, { problem: HTTP_PROBLEMS.BAD_REQUEST, detail: 'The connection closed before the request arrived' })
  }
  const problem = describe(error)
  // An AppError is an answer the service chose (503 SERVICE_OVERLOADED when shedding load
  // included): one line, no stack. Only unexpected failures are errors with their stack.
  const { status, code } = problem.problem
  if (status >= 500 && !(error instanceof AppError)) request.log.error({ err: error }, 'request failed')
  else request.log.info({ code, status }, problem.detail)
  for (const [name, value] of Object.entries(problem.headers ?? {})) reply.header(name, value)
  return sendProblem(request, reply, problem)
}

/** Every error leaves as RFC 9457 problem+json; 5xx bodies never carry internals. */
export default fp(async function errorsPlugin (fastify) {
  fastify.setErrorHandler(handleError)
}, { name: 'errors' })
