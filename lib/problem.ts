import { STATUS_CODES } from 'node:http'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { MAX_DETAIL_LENGTH, MAX_URL_LENGTH } from '../schemas/bounds.js'
import type { FieldErrorBody, ProblemBody } from '../schemas/problem.js'

export const PROBLEM_CONTENT_TYPE = 'application/problem+json; charset=utf-8'

export interface ProblemInput {
  status: number
  code: string
  detail: string
  errors?: FieldErrorBody[] | undefined
  extensions?: Record<string, unknown>
}

/** `INSUFFICIENT_STOCK` -> `/problems/insufficient-stock` */
export const problemType = (code: string): string => `/problems/${code.toLowerCase().replaceAll('_', '-')}`

/** The text, cut to `max` characters (the last one an ellipsis) when longer: echoed input stays within the contract. */
export const clipText = (text: string, max: number): string => text.length <= max ? text : `${text.slice(0, max - 1)}\u2026`

export function problemBody (request: FastifyRequest, input: ProblemInput): ProblemBody {
  return {
    ...input.extensions,
    type: problemType(input.code),
    title: STATUS_CODES[input.status] ?? 'Error',
    status: input.status,
    detail: clipText(input.detail, MAX_DETAIL_LENGTH),
    instance: clipText(request.url.split('?')[0] ?? request.url, MAX_URL_LENGTH),
    code: input.code,
    request_id: request.id,
    ...(input.errors !== undefined && input.errors.length > 0 ? { errors: input.errors } : {})
  }
}

export function sendProblem (request: FastifyRequest, reply: FastifyReply, input: ProblemInput): FastifyReply {
  return reply.code(input.status).type(PROBLEM_CONTENT_TYPE).send(problemBody(request, input))
}
