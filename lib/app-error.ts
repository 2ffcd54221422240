import type { FieldErrorBody } from '../schemas/problem.js'

export interface AppErrorOptions {
  errors?: FieldErrorBody[]
  /** Extension members added to the problem body. */
  extensions?: Record<string, unknown>
  headers?: Record<string, string>
  cause?: unknown
}

/**
 * An error the client can act on: it becomes an RFC 9457 problem with this status,
 * stable `code` and `detail`. Anything else thrown becomes an opaque 500.
 */
export class AppError extends Error {
  readonly statusCode: number
  readonly code: string
  readonly errors: FieldErrorBody[] | undefined
  readonly extensions: Record<string, unknown>
  readonly headers: Record<string, string>

  constructor (statusCode: number, code: string, detail: string, options: AppErrorOptions = {}) {
    super(detail, { cause: options.cause })
    this.name = 'AppError'
    this.statusCode = statusCode
    this.code = code
    this.errors = options.errors
    this.extensions = options.extensions ?? {}
    this.headers = options.headers ?? {}
  }
}

export const notFound = (code: string, detail: string): AppError => new AppError(404, code, detail)
export const conflict = (code: string, detail: string, options?: AppErrorOptions): AppError =>
  new AppError(409, code, detail, options)
export const forbidden = (detail = 'Your role does not allow this action'): AppError =>
  new AppError(403, 'FORBIDDEN', detail)
export const preconditionFailed = (): AppError =>
  new AppError(412, 'PRECONDITION_FAILED', 'The resource has changed since you read it (If-Match does not match its ETag)')
