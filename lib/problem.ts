import type { FastifyReply, FastifyRequest } from 'fastify'
import { MAX_DETAIL_LENGTH, MAX_URL_LENGTH } from '../schemas/bounds.js'
import type { FieldErrorBody, ProblemBody } from '../schemas/problem.js'
import type { ProblemDefinition } from './problems/define.js'

export const PROBLEM_CONTENT_TYPE = 'application/problem+json; charset=utf-8'

export interface ProblemInput {
  problem: ProblemDefinition
  detail: string
  errors?: FieldErrorBody[] | undefined
  extensions?: Record<string, unknown>
}

/** `INSUFFICIENT_STOCK` -> `/problems/insufficient-stock` */
export const problemType = (code: string): string => `/problems/${code.toLowerCase().replaceAll('_', '-')}`

/** The text, cut to `max` characters (the last one an ellipsis) when longer: echoed input stays within the contract. */
export const clipText = (text: string, max: number): string => text.length <= max ? text : `${text.slice(0, max - 1)}\u2026`

/** The body of a problem; `instance` is the request path. */
export function problemDocument (input: ProblemInput, instance: string, requestId: string, traceId?: string | null): ProblemBody {
  const { problem } = input
  return {
    ...input.extensions,
    type: problemType(problem.code),
    title: problem.title,
    status: problem.status,
    detail: clipText(input.detail, MAX_DETAIL_LENGTH),
    instance: clipText(instance, MAX_URL_LENGTH),
    code: problem.code,
    request_id: requestId,
    ...(traceId != null ? { trace_id: traceId } : {}),
    ...(input.errors !== undefined && input.errors.length > 0 ? { errors: input.errors } : {})
  }
}

export function problemBody (request: FastifyRequest, input: ProblemInput): ProblemBody {
  return problemDocument(input, request.url.split('?')[0] ?? request.url, request.id, request.traceId)
}

export function sendProblem (request: FastifyRequest, reply: FastifyReply, input: ProblemInput): FastifyReply {
  return reply.code(input.problem.status).type(PROBLEM_CONTENT_TYPE).send(problemBody(request, input))
}
