import type { SwaggerTransform, SwaggerTransformObject } from '@fastify/swagger'
import type { TSchema } from 'typebox'
import { INT32_MAX } from '../../schemas/bounds.js'
import { COMPONENT_SCHEMAS } from '../../schemas/components.js'
import { describeProblemComponents } from './problems.js'

type Json = Record<string, unknown>
const isRecord = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value)

/* ---- Named schemas: one component per `$id`, referenced everywhere else ---- */

const asRecord = (schema: TSchema): Json => Object.fromEntries(Object.entries(schema))

const COMPONENTS = new Map<string, Json>()
for (const schema of COMPONENT_SCHEMAS.map(asRecord)) {
  const id = schema.$id
  if (typeof id !== 'string') throw new Error(`component schema ${JSON.stringify(schema.title)} has no $id`)
  if (COMPONENTS.has(id)) throw new Error(`two component schemas are named ${id}`)
  COMPONENTS.set(id, schema)
}

function componentRef (id: string): Json {
  if (!COMPONENTS.has(id)) throw new Error(`schema ${id} has an $id but is not listed in schemas/components.ts`)
  return { $ref: `#/components/schemas/${id}` }
}

/** A deep copy in which every named schema (one with `$id`) is a `$ref` to its component. */
function referenceNamed (value: unknown): unknown {
  if (Array.isArray(value)) return value.map(referenceNamed)
  if (!isRecord(value)) return value
  if (typeof value.$id === 'string') return componentRef(value.$id)
  // Type.Ref('<$id>'): a second use of a named schema inside the same route schema.
  if (typeof value.$ref === 'string' && COMPONENTS.has(value.$ref)) return componentRef(value.$ref)
  return Object.fromEntries(Object.entries(value).map(([key, child]) => [key, referenceNamed(child)]))
}

/** `components.schemas`: each listed schema without its `$id`, the named schemas inside it referenced. */
export function componentSchemas (): Record<string, Json> {
  const components: Record<string, Json> = {}
  for (const [id, { $id: _id, ...body }] of COMPONENTS) {
    components[id] = Object.fromEntries(Object.entries(body).map(([key, child]) => [key, referenceNamed(child)]))
  }
  return components
}

/** A response keeps its description and headers (see `documented`); its body becomes a reference. */
function referenceResponse (schema: unknown): unknown {
  // A named schema itself, or Type.Ref('<$id>') of one added with addSchema (routes/webhooks).
  const id = !isRecord(schema) ? undefined : typeof schema.$id === 'string' ? schema.$id : typeof schema.$ref === 'string' && COMPONENTS.has(schema.$ref) ? schema.$ref : undefined
  if (!isRecord(schema) || id === undefined) return referenceNamed(schema)
  return {
    ...componentRef(id),
    ...(typeof schema.description === 'string' ? { description: schema.description } : {}),
    ...(isRecord(schema.headers) ? { headers: schema.headers } : {})
  }
}

/**
 * Query and header parameters lose their `examples`: Swagger UI pre-fills parameters with
 * them, so "Try it out" on a list would send every filter (and a stale If-Match) and return
 * nothing. Their descriptions say what they take.
 */
function withoutExamples (schema: unknown): unknown {
  if (!isRecord(schema) || !isRecord(schema.properties)) return schema
  const properties = Object.fromEntries(Object.entries(schema.properties).map(([name, property]) => {
    if (!isRecord(property)) return [name, property]
    const { examples: _examples, ...rest } = property
    return [name, rest]
  }))
  return { ...schema, properties }
}

/**
 * An operation's security from its route config (plugins/app/auth.ts, lib/scopes.ts): the roles
 * of `config.access` on bearerAuth (OpenAPI 3.1 allows role names there for non-OAuth2 schemes;
 * none: any account), and, where API keys are admitted (`config.scopes`), an apiKey requirement
 * listing the scopes of which the key needs one. Public operations keep their empty security.
 */
function securityOf (declared: unknown, config: { access?: { roles?: readonly string[] }, scopes?: readonly string[] } | undefined): unknown {
  if (!Array.isArray(declared) || !declared.some((requirement) => isRecord(requirement) && 'bearerAuth' in requirement)) return declared
  const bearer = { bearerAuth: [...(config?.access?.roles ?? [])] }
  return config?.scopes === undefined ? [bearer] : [bearer, { apiKey: [...config.scopes] }]
}

/** Per-route transform: named schemas become `$ref`s; query/header parameters carry no examples; security names roles and scopes. */
export const referenceComponents: SwaggerTransform = ({ schema, url, route: options }) => {
  const route: Json = { ...schema }
  if (route.security !== undefined) route.security = securityOf(route.security, options.config)
  if (route.body !== undefined) route.body = referenceResponse(route.body)
  if (route.querystring !== undefined) route.querystring = withoutExamples(route.querystring)
  if (route.headers !== undefined) route.headers = withoutExamples(route.headers)
  if (isRecord(route.response)) {
    route.response = Object.fromEntries(Object.entries(route.response).map(([status, response]) => [status, referenceResponse(response)]))
  }
  return { schema: route, url }
}

/* ---- Headers that hooks (not route schemas) put on the wire ---- */

/** Routes the rate limiter skips: their responses carry no RateLimit headers. */
const UNLIMITED_PATHS = new Set(['/health/live', '/health/ready', '/metrics'])
const HTTP_METHODS = new Set(['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'])

const integerHeader = (description: string): Json => ({ description, schema: { type: 'integer', format: 'int32', minimum: 0, maximum: INT32_MAX } })

const REQUEST_ID: Json = {
  'X-Request-Id': {
    description: 'The id of this request (the caller\'s X-Request-Id when it sent a valid one); also in logs and problem bodies',
    schema: { type: 'string', maxLength: 128 }
  }
}
const RATE_LIMIT_HEADERS: Json = {
  'RateLimit-Limit': integerHeader('Requests allowed in the current window'),
  'RateLimit-Remaining': integerHeader('Requests left in the current window'),
  'RateLimit-Reset': integerHeader('Seconds until the window resets')
}
const RETRY_AFTER: Json = { 'Retry-After': integerHeader('Seconds to wait before retrying') }
/** plugins/external/compress.ts: bodies over 1 KiB are compressed when Accept-Encoding asks. */
const CONTENT_ENCODING: Json = {
  'Content-Encoding': {
    description: 'How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise',
    schema: { type: 'string', enum: ['br', 'gzip', 'deflate', 'zstd'] }
  }
}
const WWW_AUTHENTICATE: Json = {
  'WWW-Authenticate': { description: 'The authentication scheme to use: `Bearer`', schema: { type: 'string', enum: ['Bearer'] } }
}

const DEPRECATION_HEADERS: Json = {
  Deprecation: { description: 'RFC 9745: this operation is deprecated, since the given time (`@` and Unix seconds)', schema: { type: 'string', examples: ['@1767225600'] } },
  Sunset: { description: 'RFC 8594: after this HTTP-date the operation may no longer be served', schema: { type: 'string', examples: ['Wed, 30 Jun 2027 00:00:00 GMT'] } },
  Link: { description: 'RFC 8288 link to the deprecation notice, `rel="deprecation"` (after the pagination link, if any)', schema: { type: 'string', examples: ['<https://docs.example.com/deprecations/products-v1>; rel="deprecation"'] } }
}

/** Errors leave as RFC 9457 documents: say so instead of application/json. */
function useProblemMediaType (response: Json): void {
  const content = response.content
  if (!isRecord(content) || !('application/json' in content)) return
  response.content = { 'application/problem+json': content['application/json'] }
}

/** Header names are case-insensitive; keep one spelling (the canonical one) per header. */
function canonicalHeaderName (name: string): string {
  const known: Record<string, string> = { etag: 'ETag', location: 'Location', link: 'Link', 'idempotent-replayed': 'Idempotent-Replayed', 'cache-control': 'Cache-Control' }
  return known[name.toLowerCase()] ?? name
}

function decorateResponse (status: string, response: Json, context: { limited: boolean, bearer: boolean, deprecated: boolean, idempotent: boolean }): void {
  const statusCode = Number(status)
  if (statusCode >= 400) useProblemMediaType(response)
  const declared = Object.fromEntries(Object.entries(isRecord(response.headers) ? response.headers : {}).map(([name, header]) => [canonicalHeaderName(name), header]))
  response.headers = {
    ...(context.deprecated ? DEPRECATION_HEADERS : {}),
    ...declared,
    ...REQUEST_ID,
    ...(statusCode !== 204 && statusCode !== 304 && response.content !== undefined ? CONTENT_ENCODING : {}),
    ...(context.limited ? RATE_LIMIT_HEADERS : {}),
    ...((context.limited && statusCode === 429) || statusCode === 503 || (context.idempotent && statusCode === 409) ? RETRY_AFTER : {}),
    ...(context.bearer && statusCode === 401 ? WWW_AUTHENTICATE : {})
  }
}

const PROBLEM_REF: Json = { $ref: '#/components/schemas/Problem' }
const problemResponse = (description: string): Json => ({ description, content: { 'application/json': { schema: PROBLEM_REF } } })

const hasParameter = (operation: Json, where: string, name?: string): boolean =>
  Array.isArray(operation.parameters) && operation.parameters.some((parameter) =>
    isRecord(parameter) && parameter.in === where && (name === undefined || String(parameter.name).toLowerCase() === name))

/** Methods Fastify reads a body on, whatever the route schema says (so 413/415 can answer them). */
const BODY_METHODS = new Set(['post', 'put', 'patch', 'delete'])

/**
 * The problem responses that follow from an operation's shape rather than its route code:
 * 406 on every operation (an Accept that JSON cannot satisfy), 414 where a path parameter can be
 * over-long, 413/415 exactly on the methods whose body Fastify reads (also where the operation
 * takes none: a body sent anyway is still too large or of the wrong type), not on GET.
 */
function declareShapeProblems (method: string, operation: Json, responses: Json): void {
  responses['406'] ??= problemResponse('The Accept header allows neither application/json nor application/problem+json (NOT_ACCEPTABLE)')
  if (hasParameter(operation, 'path')) responses['414'] ??= problemResponse('A path parameter is longer than any valid value (URI_TOO_LONG)')
  if (BODY_METHODS.has(method)) {
    responses['413'] ??= problemResponse('Body larger than 1 MiB (PAYLOAD_TOO_LARGE)')
    responses['415'] ??= problemResponse('Content-Type must be application/json (UNSUPPORTED_MEDIA_TYPE)')
  } else {
    delete responses['413']
    delete responses['415']
  }
}

const usesBearer = (operation: Json): boolean =>
  Array.isArray(operation.security) && operation.security.some((requirement) => isRecord(requirement) && 'bearerAuth' in requirement)

/** Any authenticated operation refuses an API key without one of its scopes (or any key, when it takes none). */
function declareScopeProblem (operation: Json, responses: Json): void {
  if (usesBearer(operation)) responses['403'] ??= problemResponse('An API key without a scope of this operation, or a key where only access tokens are taken (INSUFFICIENT_SCOPE)')
}

/**
 * Adds to the generated document what hooks put on the wire: X-Request-Id on every response,
 * RateLimit-* on every rate-limited one, Retry-After on 429/503 (and the 409 of idempotent
 * operations), the problem responses every operation of its shape can give (406, 414, 413, 415),
 * the ProblemCode enum and Problem's extension members, WWW-Authenticate on the 401
 * of bearer operations, Deprecation, Sunset and Link on every response of a deprecated operation
 * (plugins/app/deprecation.ts), the problem+json media type of errors, the 403 an API key without the
 * operation's scope gets on every authenticated operation; and `security: []` on public
 * operations, so tools read them as deliberately public rather than unspecified.
 */
export const describeCrossCuttingBehaviour: SwaggerTransformObject = (document) => {
  if (!('openapiObject' in document)) return document.swaggerObject
  const openapi = document.openapiObject
  const paths = isRecord(openapi.paths) ? openapi.paths : {}
  for (const [path, item] of Object.entries(paths)) {
    if (!isRecord(item)) continue
    for (const [method, operation] of Object.entries(item)) {
      if (!HTTP_METHODS.has(method) || !isRecord(operation) || !isRecord(operation.responses)) continue
      if (operation.security === undefined) operation.security = []
      declareShapeProblems(method, operation, operation.responses)
      declareScopeProblem(operation, operation.responses)
      // An Idempotency-Key still in use answers 409 IDEMPOTENCY_KEY_IN_USE with Retry-After.
      const context = {
        limited: !UNLIMITED_PATHS.has(path),
        bearer: usesBearer(operation),
        deprecated: operation.deprecated === true,
        idempotent: hasParameter(operation, 'header', 'idempotency-key')
      }
      for (const [status, response] of Object.entries(operation.responses)) {
        if (isRecord(response)) decorateResponse(status, response, context)
      }
    }
  }
  if (isRecord(openapi.components) && isRecord(openapi.components.schemas)) describeProblemComponents(openapi.components.schemas)
  // Spectral's OWASP rules want servers marked public or internal explicitly.
  for (const server of Array.isArray(openapi.servers) ? openapi.servers : []) {
    if (isRecord(server)) server['x-internal'] = false
  }
  return openapi
}
