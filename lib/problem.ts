import { STATUS_CODES } from 'node:http'
import type { FastifyReply, FastifyRequest } from 'fastify'
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

export function problemBody (request: FastifyRequest, input: ProblemInput): ProblemBody {
  return {
    ...input.extensions,
    type: problemType(input.code),
    title: STATUS_CODES[input.status] ?? 'Error',
    status: input.status,
    detail: input.detail,
    instance: request.url.split('?')[0] ?? request.url,
    code: input.code,
    request_id: request.id,
    ...(input.errors !== undefined && input.errors.length > 0 ? { errors: input.errors } : {})
  }
}

export function sendProblem (request: FastifyRequest, reply: FastifyReply, input: ProblemInput): FastifyReply {
  return reply.code(input.status).type(PROBLEM_CONTENT_TYPE).send(problemBody(request, input))
}
