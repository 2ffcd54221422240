import type { FastifyReply, FastifyRequest } from 'fastify'
import { isRecord } from '../../lib/is-record.js'
import { maskEmail } from '../../lib/logger.js'

/**
 * The login audit line (SPEC §4): exactly one per POST /login, whatever answered it: the handler
 * (success, INVALID_CREDENTIALS, the failure throttle's RATE_LIMITED), the schema, the body parser
 * (MALFORMED_JSON, PAYLOAD_TOO_LARGE, UNSUPPORTED_MEDIA_TYPE) or the rate limiter, which refuses
 * before the body is read. So it is written when the response is done, from the answer itself:
 * its status, and the problem code noted as its body is serialized.
 */
const problemCodes = new WeakMap<FastifyRequest, string>()

/** preSerialization hook of POST /login: notes the code of the problem the client is sent. */
export async function noteLoginProblem (request: FastifyRequest, reply: FastifyReply, payload: unknown): Promise<unknown> {
  if (reply.statusCode >= 400 && isRecord(payload) && typeof payload.code === 'string') problemCodes.set(request, payload.code)
  return payload
}

/** onResponse hook of POST /login: the audit line, email masked (absent when no body was parsed). */
export async function auditLoginAttempt (request: FastifyRequest, reply: FastifyReply): Promise<void> {
  const body: unknown = request.body
  const email = isRecord(body) && typeof body.email === 'string' ? maskEmail(body.email) : undefined
  const result = reply.statusCode < 400
    ? { outcome: 'success' }
    : { outcome: 'failure', reason: problemCodes.get(request) ?? 'ERROR' }
  request.log.info({ event: 'login', email, ...result, ip: request.ip }, 'login attempt')
}
