import { problemType } from '../../lib/problem.js'
import type { ProblemTypeBody } from '../../schemas/problem-types.js'

type Entry = [status: number, title: string, description: string]

/**
 * Every error code the service answers with: the one registry behind GET /problems and the
 * `type` URIs of problem bodies (`/problems/<code in kebab case>`). A new code goes here.
 */
const CODES: Record<string, Entry> = {
  BAD_REQUEST: [400, 'Bad request', 'The request could not be processed as sent.'],
  VALIDATION_FAILED: [400, 'Validation failed', 'A field of the body, query, path or headers breaks the documented schema; `errors` points at each field.'],
  MALFORMED_JSON: [400, 'Malformed JSON', 'The body is empty or not valid JSON.'],
  INVALID_INPUT: [400, 'Invalid input', 'A value cannot be stored (for example a NUL character in a string).'],
  WEAK_PASSWORD: [400, 'Weak password', 'The new password is too easy to guess (too short, only whitespace, the email, or a common or breached password); `errors` points at /password.'],
  INVALID_CURSOR: [400, 'Invalid cursor', 'The cursor was not returned by this API for this list and sort; start again without it.'],
  INVALID_URL: [400, 'Invalid URL', 'The request URL is malformed (bad percent-encoding).'],
  INVALID_CONTENT_LENGTH: [400, 'Invalid Content-Length', 'Content-Length does not match the body.'],
  UNAUTHORIZED: [401, 'Unauthorized', 'Authentication is required.'],
  TOKEN_MISSING: [401, 'Access token missing', 'No usable `Authorization: Bearer <access token>` header was sent; log in and send the access token.'],
  TOKEN_EXPIRED: [401, 'Access token expired', 'The access token has expired; get a new one with POST /auth/refresh.'],
  TOKEN_INVALID: [401, 'Access token invalid', 'The access token is not one this service issued, or its account no longer exists; log in again.'],
  INVALID_CREDENTIALS: [401, 'Invalid credentials', 'The email or password is incorrect.'],
  REFRESH_TOKEN_INVALID: [401, 'Refresh token invalid', 'The refresh token is unknown or was revoked; log in again.'],
  REFRESH_TOKEN_EXPIRED: [401, 'Refresh token expired', 'The refresh token has expired; log in again.'],
  REFRESH_TOKEN_REUSED: [401, 'Refresh token reused', 'A refresh token was used twice, so the whole session was revoked as a precaution; log in again.'],
  FORBIDDEN: [403, 'Forbidden', 'The caller\'s role does not allow this action.'],
  NOT_FOUND: [404, 'Not found', 'The resource does not exist.'],
  ROUTE_NOT_FOUND: [404, 'Route not found', 'No route matches this method and path; see GET /help.'],
  PRODUCT_NOT_FOUND: [404, 'Product not found', 'No product with this id (or it was deleted).'],
  CUSTOMER_NOT_FOUND: [404, 'Customer not found', 'No customer with this id that the caller may see.'],
  ORDER_NOT_FOUND: [404, 'Order not found', 'No order with this id that the caller may see.'],
  USER_NOT_FOUND: [404, 'User not found', 'No user account with this id.'],
  METHOD_NOT_ALLOWED: [405, 'Method not allowed', 'The path exists but not with this method; the Allow header lists the methods it takes.'],
  NOT_ACCEPTABLE: [406, 'Not acceptable', 'The service cannot answer in a media type the Accept header allows.'],
  CONFLICT: [409, 'Conflict', 'The request conflicts with the current state.'],
  EMAIL_TAKEN: [409, 'Email taken', 'An account with this email already exists.'],
  SKU_TAKEN: [409, 'SKU taken', 'Another product already has this sku.'],
  CUSTOMER_EMAIL_TAKEN: [409, 'Customer email taken', 'Another customer profile already uses this email.'],
  CUSTOMER_HAS_ORDERS: [409, 'Customer has orders', 'A customer with orders cannot be deleted; order history is kept.'],
  CANNOT_DEMOTE_SELF: [409, 'Cannot change own role', 'Admins cannot change their own role; ask another admin.'],
  INSUFFICIENT_STOCK: [409, 'Insufficient stock', 'Some items are not in stock in the quantity asked; `items` lists product_id, requested and available. Nothing was written.'],
  INVALID_TRANSITION: [409, 'Invalid transition', 'The order cannot move from its status to the one asked; `allowed_transitions` on the order lists the moves.'],
  BATCH_REJECTED: [409, 'Batch rejected', 'An all_or_nothing batch had a refused item, so nothing was written; `results` holds every item\'s outcome in input order.'],
  IDEMPOTENCY_KEY_IN_USE: [409, 'Idempotency key in use', 'A request with this Idempotency-Key is still running; retry shortly.'],
  CURSOR_EXPIRED: [410, 'Cursor expired', 'The events-feed cursor is older than the retention (EVENT_RETENTION_DAYS); events after it may have been purged. Start again without a cursor and reconcile from the lists.'],
  PRECONDITION_FAILED: [412, 'Precondition failed', 'If-Match does not match the resource\'s current ETag: it changed since you read it. Read it again and retry.'],
  PAYLOAD_TOO_LARGE: [413, 'Payload too large', 'The body is larger than 1 MiB.'],
  URI_TOO_LONG: [414, 'URI too long', 'A path parameter is longer than any valid value.'],
  UNSUPPORTED_MEDIA_TYPE: [415, 'Unsupported media type', 'Bodies must be sent as application/json.'],
  UNKNOWN_CUSTOMER: [422, 'Unknown customer', 'The order names a customer that does not exist (or the account has no customer profile).'],
  UNKNOWN_PRODUCT: [422, 'Unknown product', 'The order names a product that does not exist or is archived.'],
  IDEMPOTENCY_KEY_REUSED: [422, 'Idempotency key reused', 'This Idempotency-Key was already used with a different body; use a new key for a new request.'],
  BATCH_ABORTED: [424, 'Batch aborted', 'This item of an all_or_nothing batch was valid but not written, because another item was refused (only inside a batch\'s results).'],
  RATE_LIMITED: [429, 'Rate limited', 'Too many requests; wait the seconds in Retry-After.'],
  INTERNAL_ERROR: [500, 'Internal error', 'An unexpected error; quote the request_id when reporting it.'],
  SERVICE_UNAVAILABLE: [503, 'Service unavailable', 'A dependency is temporarily unavailable; retry after Retry-After seconds.'],
  SERVICE_OVERLOADED: [503, 'Service overloaded', 'The service is shedding load; retry after Retry-After seconds.'],
  TRANSACTION_CONFLICT: [503, 'Transaction conflict', 'Concurrent updates kept the order from being processed; retry shortly.']
}

export const PROBLEM_TYPES: ProblemTypeBody[] = Object.entries(CODES)
  .map(([code, [status, title, description]]) => ({ type: problemType(code), code, status, title, description }))

const BY_TYPE = new Map(PROBLEM_TYPES.map((entry) => [entry.type, entry]))

export const problemTypeOf = (slug: string): ProblemTypeBody | undefined => BY_TYPE.get(`/problems/${slug}`)
