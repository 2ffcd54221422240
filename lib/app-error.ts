import type { FieldErrorBody } from '../schemas/problem.js'
import type { ProblemDefinition } from './problems/define.js'
import { HTTP_PROBLEMS } from './problems/http.js'

export interface AppErrorOptions {
  errors?: FieldErrorBody[]
  /** Extension members added to the problem body (declared in the problem's definition). */
  extensions?: Record<string, unknown>
  headers?: Record<string, string>
  cause?: unknown
}

/**
 * An error the client can act on: it becomes an RFC 9457 problem of the given type (its status,
 * stable `code` and title come from the definition) with this `detail`. Anything else thrown
 * becomes an opaque 500.
 */
export class AppError extends Error {
  readonly problem: ProblemDefinition
  readonly statusCode: number
  readonly code: string
  readonly errors: FieldErrorBody[] | undefined
  readonly extensions: Record<string, unknown>
  readonly headers: Record<string, string>

  constructor (problem: ProblemDefinition, detail: string, options: AppErrorOptions = {}) {
    super(detail, { cause: options.cause })
    this.name = 'AppError'
    this.problem = problem
    this.statusCode = problem.status
    this.code = problem.code
    this.errors = options.errors
    this.extensions = options.extensions ?? {}
    this.headers = options.headers ?? {}
  }
}

export const forbidden = (detail = 'Your role does not allow this action'): AppError =>
  new AppError(HTTP_PROBLEMS.FORBIDDEN, detail)
export const preconditionFailed = (): AppError =>
  new AppError(HTTP_PROBLEMS.PRECONDITION_FAILED, 'The resource has changed since you read it (If-Match does not match its ETag)')
