import type { SwaggerTransformObject } from '@fastify/swagger'

type Json = Record<string, unknown>
const isRecord = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value)

/** Routes the rate limiter skips: their responses carry no RateLimit headers. */
const UNLIMITED_PATHS = new Set(['/health/live', '/health/ready', '/metrics'])
const HTTP_METHODS = new Set(['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'])

const integerHeader = (description: string): Json => ({ description, schema: { type: 'integer', format: 'int32', minimum: 0 } })

const RATE_LIMIT_HEADERS: Json = {
  'RateLimit-Limit': integerHeader('Requests allowed in the current window'),
  'RateLimit-Remaining': integerHeader('Requests left in the current window'),
  'RateLimit-Reset': integerHeader('Seconds until the window resets')
}
const RETRY_AFTER: Json = { 'Retry-After': integerHeader('Seconds to wait before retrying') }

/** Errors leave as RFC 9457 documents: say so instead of application/json. */
function useProblemMediaType (response: Json): void {
  const content = response.content
  if (!isRecord(content) || !('application/json' in content)) return
  response.content = { 'application/problem+json': content['application/json'] }
}

function decorateResponse (status: string, response: Json, limited: boolean): void {
  const statusCode = Number(status)
  if (statusCode >= 400) useProblemMediaType(response)
  if (!limited) return
  const headers = isRecord(response.headers) ? response.headers : {}
  response.headers = { ...headers, ...RATE_LIMIT_HEADERS, ...(statusCode === 429 || statusCode === 503 ? RETRY_AFTER : {}) }
}

/**
 * Adds to the generated document what hooks (not route schemas) put on the wire:
 * RateLimit-* headers on every rate-limited response, Retry-After on 429/503, and the
 * application/problem+json media type of error responses.
 */
export const describeCrossCuttingBehaviour: SwaggerTransformObject = (document) => {
  if (!('openapiObject' in document)) return document.swaggerObject
  const openapi = document.openapiObject
  const paths = isRecord(openapi.paths) ? openapi.paths : {}
  for (const [path, item] of Object.entries(paths)) {
    if (!isRecord(item)) continue
    for (const [method, operation] of Object.entries(item)) {
      if (!HTTP_METHODS.has(method) || !isRecord(operation) || !isRecord(operation.responses)) continue
      for (const [status, response] of Object.entries(operation.responses)) {
        if (isRecord(response)) decorateResponse(status, response, !UNLIMITED_PATHS.has(path))
      }
    }
  }
  // Spectral's OWASP rules want servers marked public or internal explicitly.
  for (const server of Array.isArray(openapi.servers) ? openapi.servers : []) {
    if (isRecord(server)) server['x-internal'] = false
  }
  return openapi
}
