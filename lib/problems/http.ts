import { Type } from 'typebox'
import { defineProblems } from './define.js'
import { ApiScopeSchema } from '../../schemas/api-keys.js'
import { API_SCOPES } from '../scopes.js'

/**
 * Problems of the HTTP layer, sent by lib/ and plugins/ whatever the route: framing and routing,
 * bodies, validation, access tokens, limits and failures. Domain problems live with their domain
 * (routes/<domain>/problems.ts).
 */
export const HTTP_PROBLEMS = defineProblems({
  BAD_REQUEST: { status: 400, title: 'Bad request', description: 'The request could not be processed as sent (for example a route that could not be resolved).' },
  MALFORMED_REQUEST: { status: 400, title: 'Malformed request', description: 'The request is not valid HTTP/1.1 (request line, headers, framing, or a Content-Length that does not match the body); the connection is closed.' },
  INVALID_URL: { status: 400, title: 'Invalid URL', description: 'The request URL is malformed (bad percent-encoding).' },
  VALIDATION_FAILED: { status: 400, title: 'Validation failed', description: 'A field of the body, query, path or headers breaks the documented schema; `errors` points at each field.' },
  MALFORMED_JSON: { status: 400, title: 'Malformed JSON', description: 'The body is empty, not UTF-8 or not valid JSON, has a \\u escape of half a surrogate pair, or has a __proto__ or constructor.prototype key (refused: prototype poisoning).' },
  BODY_TOO_DEEP: { status: 400, title: 'Body too deep', description: 'The JSON body is nested deeper than any valid request (64 levels); nothing was parsed.' },
  INVALID_INPUT: { status: 400, title: 'Invalid input', description: 'A value cannot be stored (for example a NUL character in a string).' },
  INVALID_CURSOR: { status: 400, title: 'Invalid cursor', description: 'The cursor was not returned by this API for this list and sort; start again without it.' },
  TOKEN_MISSING: { status: 401, title: 'Access token missing', description: 'No usable `Authorization: Bearer <access token>` header was sent; log in and send the access token.' },
  TOKEN_EXPIRED: { status: 401, title: 'Access token expired', description: 'The access token has expired; get a new one with POST /auth/refresh.' },
  TOKEN_INVALID: { status: 401, title: 'Access token invalid', description: 'The access token is not one this service issued, or its account no longer exists; log in again.' },
  API_KEY_INVALID: { status: 401, title: 'API key invalid', description: 'The `gsk_` API key is malformed (its checksum does not match), unknown, revoked or expired, or its owner no longer exists.' },
  INSUFFICIENT_SCOPE: {
    status: 403,
    title: 'Insufficient scope',
    description: 'The API key has none of the scopes this operation takes (or its owner\'s current role no longer grants them); `required_scopes` lists them. Operations without scopes (key management, account and admin operations) take a user access token only.',
    extensions: {
      required_scopes: Type.Array(ApiScopeSchema, { maxItems: API_SCOPES.length, description: 'The scopes of which the key needs one; empty when the operation takes no API key at all', examples: [['products:write']] })
    }
  },
  FORBIDDEN: { status: 403, title: 'Forbidden', description: 'The caller\'s role does not allow this action.' },
  NOT_FOUND: { status: 404, title: 'Not found', description: 'The resource does not exist.' },
  ROUTE_NOT_FOUND: { status: 404, title: 'Route not found', description: 'No route matches this method and path; see GET /help.' },
  METHOD_NOT_ALLOWED: { status: 405, title: 'Method not allowed', description: 'The path exists but not with this method; the Allow header lists the methods it takes.' },
  NOT_ACCEPTABLE: { status: 406, title: 'Not acceptable', description: 'The Accept header allows no media type this operation answers with: application/json, or the operation\'s own type where it has one (an export\'s application/x-ndjson). Errors are application/problem+json.' },
  REQUEST_TIMEOUT: { status: 408, title: 'Request timeout', description: 'The request (headers or body) was not received in time; the connection is closed.' },
  PRECONDITION_FAILED: { status: 412, title: 'Precondition failed', description: 'If-Match does not match the resource\'s current ETag: it changed since you read it. Read it again and retry.' },
  PAYLOAD_TOO_LARGE: { status: 413, title: 'Payload too large', description: 'The body (or its chunk extensions) is larger than 1 MiB.' },
  URI_TOO_LONG: { status: 414, title: 'URI too long', description: 'A path parameter is longer than any valid value.' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, title: 'Unsupported media type', description: 'Bodies must be sent as application/json.' },
  EXPECTATION_FAILED: { status: 417, title: 'Expectation failed', description: 'The Expect header asks for something other than `100-continue`.' },
  RATE_LIMITED: { status: 429, title: 'Rate limited', description: 'Too many requests; wait the seconds in Retry-After.' },
  HEADERS_TOO_LARGE: { status: 431, title: 'Request headers too large', description: 'The request headers are larger than the server accepts; the connection is closed.' },
  INTERNAL_ERROR: { status: 500, title: 'Internal error', description: 'An unexpected error; quote the request_id when reporting it.' },
  SERVICE_UNAVAILABLE: { status: 503, title: 'Service unavailable', description: 'A dependency is temporarily unavailable; retry after Retry-After seconds.' },
  SERVICE_OVERLOADED: { status: 503, title: 'Service overloaded', description: 'The service is shedding load; retry after Retry-After seconds.' }
})

/** What the HTTP layer needs to know about an operation to tell which of its problems it can send. */
export interface OperationShape {
  /** Fastify reads (and may refuse) a body: POST, PUT, PATCH, DELETE. */
  readonly readsBody: boolean
  readonly hasPathParameters: boolean
  /** A params, query, headers or body schema is validated. */
  readonly validated: boolean
  readonly hasIfMatch: boolean
  readonly hasCursor: boolean
  readonly bearer: boolean
  /** `config.access` limits the roles (plugins/app/auth.ts). */
  readonly restricted: boolean
  readonly rateLimited: boolean
  /** Under-pressure may shed it (plugins/external/under-pressure.ts: not the probes). */
  readonly sheddable: boolean
}

/**
 * The problems the HTTP layer (plugins and lib, not the route's handler) can answer an operation
 * of this shape with. The OpenAPI transform declares them on every operation, so a route lists
 * only what its own code sends (`problemResponses(...)` in its schema).
 */
export function operationProblems (shape: OperationShape): ProblemDefinitionOf[] {
  const P = HTTP_PROBLEMS
  return [
    // A bug anywhere is a 500 problem (plugins/app/errors.ts), so every operation can answer it.
    P.INVALID_URL, P.NOT_ACCEPTABLE, P.INTERNAL_ERROR, P.SERVICE_UNAVAILABLE,
    // Answered to any request, whatever its method and path (plugins/app/client-error.ts): by Node's
    // parser before routing (headers too large 431, not valid HTTP 400, headers or body too slow
    // 408, chunk extensions too large 413: any method may send a chunked body), to an Expect other
    // than 100-continue (417), and to an HTTP/1.1 request without Host (400 BAD_REQUEST).
    P.MALFORMED_REQUEST, P.BAD_REQUEST, P.REQUEST_TIMEOUT, P.PAYLOAD_TOO_LARGE, P.EXPECTATION_FAILED, P.HEADERS_TOO_LARGE,
    ...(shape.validated ? [P.VALIDATION_FAILED] : []),
    ...(shape.readsBody ? [P.MALFORMED_JSON, P.BODY_TOO_DEEP, P.INVALID_INPUT, P.UNSUPPORTED_MEDIA_TYPE] : []),
    ...(shape.hasPathParameters ? [P.URI_TOO_LONG] : []),
    ...(shape.hasIfMatch ? [P.PRECONDITION_FAILED] : []),
    ...(shape.hasCursor ? [P.INVALID_CURSOR] : []),
    // A `gsk_` key is taken wherever a token is: refused as invalid, or for a scope it lacks (plugins/app/auth.ts).
    ...(shape.bearer ? [P.TOKEN_MISSING, P.TOKEN_EXPIRED, P.TOKEN_INVALID, P.API_KEY_INVALID, P.INSUFFICIENT_SCOPE] : []),
    ...(shape.restricted ? [P.FORBIDDEN] : []),
    ...(shape.rateLimited ? [P.RATE_LIMITED] : []),
    ...(shape.sheddable ? [P.SERVICE_OVERLOADED] : [])
  ]
}

type ProblemDefinitionOf = (typeof HTTP_PROBLEMS)[keyof typeof HTTP_PROBLEMS]
