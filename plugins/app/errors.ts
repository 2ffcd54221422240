import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { errorCode } from '../../db/errors.js'
import { AppError } from '../../lib/app-error.js'
import { sendProblem, type ProblemInput } from '../../lib/problem.js'
import { toFieldErrors } from '../../lib/validation-errors.js'

/** Fastify's own client-error codes, given stable public codes. */
const FASTIFY_CODES: Record<string, string> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'INVALID_CONTENT_LENGTH',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'MALFORMED_JSON',
  FST_ERR_CTP_INVALID_JSON_BODY: 'MALFORMED_JSON',
  FST_ERR_CTP_MALFORMED_JSON_BODY: 'MALFORMED_JSON'
}

/**
 * Data exceptions caused by input that slipped past the schemas (NUL bytes, bad
 * encodings, out-of-range values): the client's fault, so a 400 rather than a 500.
 */
const INPUT_SQLSTATES = new Set(['22001', '22003', '22007', '22008', '22021', '22P02', '22P05'])
const isDataException = (error: unknown): boolean => INPUT_SQLSTATES.has(errorCode(error))

/** Postgres SQLSTATEs that mean "try again" or "the database is away" rather than a bug. */
const TRANSIENT_SQLSTATES = new Set(['40001', '40P01', '55P03', '57014', '57P01', '57P02', '57P03', '53300'])
const CONNECTION_ERRNOS = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND'])

function isRecord (value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null
}

const codeFromStatus = (status: number, fallback: string): string =>
  ({ 400: 'BAD_REQUEST', 401: 'UNAUTHORIZED', 403: 'FORBIDDEN', 404: 'NOT_FOUND', 405: 'METHOD_NOT_ALLOWED', 406: 'NOT_ACCEPTABLE', 409: 'CONFLICT', 413: 'PAYLOAD_TOO_LARGE', 415: 'UNSUPPORTED_MEDIA_TYPE', 429: 'RATE_LIMITED' }[status] ?? fallback)

function isDatabaseUnavailable (error: unknown): boolean {
  if (!isRecord(error)) return false
  const code = errorCode(error)
  if (TRANSIENT_SQLSTATES.has(code) || CONNECTION_ERRNOS.has(code) || code.startsWith('08')) return true
  const message = typeof error.message === 'string' ? error.message : ''
  return /timeout exceeded when trying to connect|Connection terminated/i.test(message)
}

function describe (error: FastifyError): ProblemInput & { headers?: Record<string, string> } {
  if (error instanceof AppError) {
    return { status: error.statusCode, code: error.code, detail: error.message, errors: error.errors, extensions: error.extensions, headers: error.headers }
  }
  if (error.validation !== undefined) {
    const errors = toFieldErrors(error.validation, error.validationContext)
    const first = errors[0]
    const detail = first === undefined
      ? error.message
      : `${error.validationContext ?? 'body'}${first.pointer} ${first.detail}${errors.length > 1 ? ` (and ${errors.length - 1} more)` : ''}`
    return { status: 400, code: 'VALIDATION_FAILED', detail, errors }
  }
  if (error instanceof SyntaxError) return { status: 400, code: 'MALFORMED_JSON', detail: 'The request body is not valid JSON' }
  if (isDataException(error)) return { status: 400, code: 'INVALID_INPUT', detail: 'A value in the request cannot be stored (for example a NUL character)' }
  // Node's own error on a request body whose connection closed mid-way (the client hung up, or
  // its connection was closed over malformed bytes): the client's doing, not a dependency's.
  if (error.code === 'ECONNRESET' && error.message === 'aborted') {
    return { status: 400, code: 'BAD_REQUEST', detail: 'The connection closed before the whole request arrived' }
  }
  if (isDatabaseUnavailable(error)) {
    return { status: 503, code: 'SERVICE_UNAVAILABLE', detail: 'A dependency is temporarily unavailable; retry shortly', headers: { 'retry-after': '1' } }
  }
  const status = typeof error.statusCode === 'number' ? error.statusCode : 500
  if (status >= 400 && status < 500) {
    return { status, code: FASTIFY_CODES[error.code] ?? codeFromStatus(status, 'BAD_REQUEST'), detail: error.message }
  }
  return { status: 500, code: 'INTERNAL_ERROR', detail: 'An unexpected error occurred; quote the request_id when reporting it' }
}

/**
 * The client hung up before its body arrived (a body stalled past REQUEST_TIMEOUT_MS is cut this
 * way): Node aborts the body stream with ECONNRESET. Not a database trouble, not a failure here.
 */
const clientGone = (error: FastifyError, request: FastifyRequest): boolean => request.raw.destroyed && error.code === 'ECONNRESET'

function handleError (this: FastifyInstance, error: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (clientGone(error, request)) {
    request.log.info({ code: 'CLIENT_CLOSED' }, 'the client closed the connection before its request arrived')
    return sendProblem(request, reply, { status: 400, code: 'BAD_REQUEST', detail: 'The connection closed before the request arrived' })
  }
  const problem = describe(error)
  // An AppError is an answer the service chose (503 SERVICE_OVERLOADED when shedding load
  // included): one line, no stack. Only unexpected failures are errors with their stack.
  if (problem.status >= 500 && !(error instanceof AppError)) request.log.error({ err: error }, 'request failed')
  else request.log.info({ code: problem.code, status: problem.status }, problem.detail)
  for (const [name, value] of Object.entries(problem.headers ?? {})) reply.header(name, value)
  return sendProblem(request, reply, problem)
}

/** Every error leaves as RFC 9457 problem+json; 5xx bodies never carry internals. */
export default fp(async function errorsPlugin (fastify) {
  fastify.setErrorHandler(handleError)
}, { name: 'errors' })
