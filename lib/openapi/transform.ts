import { STATUS_CODES } from 'node:http'
import type { SwaggerTransform, SwaggerTransformObject } from '@fastify/swagger'
import type { RouteOptions } from 'fastify'
import { PROBLEM_CODES_KEY } from '../../schemas/common.js'
import { problemType } from '../problem.js'
import { problemDefinition, type ProblemDefinition } from '../problems/define.js'
import { operationProblems, type OperationShape } from '../problems/http.js'
import { INT32_MAX, MAX_REQUEST_ID_LENGTH, MAX_URL_LENGTH } from '../../schemas/bounds.js'
import { CORS_EXPOSED_HEADERS, SECURITY_HEADERS } from '../security-headers.js'
import { componentRef, componentSchemas, isComponentName, referenceNamed, referenceParameter } from './components.js'
import { describeProblemComponents } from './problems.js'
import { isRecord } from '../is-record.js'
import { webhookOperations } from './webhooks.js'

type Json = Record<string, unknown>

/** A response keeps its description and headers (see `documented`); its body becomes a reference. */
function referenceResponse (schema: unknown): unknown {
  // A named schema itself, or Type.Ref('<$id>') of one added with addSchema (routes/webhooks).
  const id = !isRecord(schema) ? undefined : typeof schema.$id === 'string' ? schema.$id : typeof schema.$ref === 'string' && isComponentName(schema.$ref) ? schema.$ref : undefined
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

/** Routes the rate limiter skips: their responses carry no RateLimit headers. */
const UNLIMITED_PATHS = new Set(['/health/live', '/health/ready', '/metrics'])
/** plugins/external/under-pressure.ts never sheds these. */
const NEVER_SHED = UNLIMITED_PATHS
/** Methods Fastify reads a body on, whatever the route schema says (so 413/415 can answer them). */
const BODY_METHODS = new Set(['post', 'put', 'patch', 'delete'])

const hasProperty = (schema: unknown, name: string): boolean => isRecord(schema) && isRecord(schema.properties) && name in schema.properties

function shapeOf (route: RouteOptions, schema: Json): OperationShape {
  const method = (Array.isArray(route.method) ? route.method : [route.method]).map((m) => String(m).toLowerCase())
  const config: unknown = route.config
  return {
    readsBody: method.some((m) => BODY_METHODS.has(m)),
    hasPathParameters: schema.params !== undefined,
    validated: [schema.params, schema.querystring, schema.headers, schema.body].some((part) => part !== undefined),
    hasIfMatch: hasProperty(schema.headers, 'if-match'),
    hasCursor: hasProperty(schema.querystring, 'cursor'),
    bearer: Array.isArray(schema.security) && schema.security.some((requirement) => isRecord(requirement) && 'bearerAuth' in requirement),
    restricted: isRecord(config) && config.access !== undefined,
    rateLimited: !UNLIMITED_PATHS.has(route.url),
    sheddable: !NEVER_SHED.has(route.url)
  }
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

const EXAMPLE_ID = '3f1c9b2e-6a4d-4e8b-9c1a-2b7d5e8f0a13'

/** A problem body as the service sends it for this code on this path (`detail` is the type's description). */
function exampleProblem (problem: ProblemDefinition, url: string): Json {
  return {
    type: problemType(problem.code),
    title: problem.title,
    status: problem.status,
    detail: problem.description,
    instance: url.replace(/:[A-Za-z_]+/g, EXAMPLE_ID),
    code: problem.code,
    request_id: '5f0c6b7e-3d1c-4c52-9a57-2a3b8f0c1d2e'
  }
}

const codesOf = (response: unknown): string[] | undefined => {
  const codes = isRecord(response) ? response[PROBLEM_CODES_KEY] : undefined
  return Array.isArray(codes) ? codes.map(String) : undefined
}

/**
 * Every problem response of an operation: the codes its route lists (`problemResponses(...)`)
 * plus the HTTP layer's for its shape (`operationProblems`), per status, each code with an
 * example body. A route's own non-problem response at a status (the 503 of /health/ready) stays.
 */
function problemResponsesOf (route: RouteOptions, schema: Json, declared: Json): Json {
  const byStatus = new Map<number, ProblemDefinition[]>()
  const add = (problem: ProblemDefinition): void => {
    const list = byStatus.get(problem.status) ?? []
    if (!list.some((known) => known.code === problem.code)) byStatus.set(problem.status, [...list, problem])
  }
  for (const [status, response] of Object.entries(declared)) {
    const codes = codesOf(response)
    if (codes === undefined && isRecord(response) && response.$id === 'Problem') throw new Error(`${route.url}: the ${status} problem response is not declared with problemResponses(...)`)
    for (const code of codes ?? []) add(problemDefinition(code))
  }
  for (const problem of operationProblems(shapeOf(route, schema))) {
    const own = declared[String(problem.status)]
    if (own === undefined || codesOf(own) !== undefined) add(problem)
  }
  const responses: Json = {}
  for (const [status, problems] of [...byStatus].sort(([a], [b]) => a - b)) {
    const own = declared[String(status)]
    const codes = problems.map((problem) => problem.code)
    responses[status] = {
      description: `${STATUS_CODES[status] ?? 'Error'}: ${codes.join(', ')}`,
      ...(isRecord(own) && isRecord(own.headers) ? { headers: own.headers } : {}),
      content: {
        'application/problem+json': {
          schema: componentRef('Problem'),
          examples: Object.fromEntries(problems.map((problem) => [problem.code, { summary: problem.title, value: exampleProblem(problem, route.url) }]))
        }
      }
    }
  }
  return responses
}

/**
 * Per-route transform: named schemas become `$ref`s; query/header parameters carry no examples;
 * the problem responses are completed from the route's codes and its shape.
 */
export const referenceComponents: SwaggerTransform = ({ schema, url, route }) => {
  const operation: Json = { ...schema }
  if (operation.security !== undefined) operation.security = securityOf(operation.security, route.config)
  if (operation.body !== undefined) operation.body = referenceResponse(operation.body)
  if (operation.querystring !== undefined) operation.querystring = withoutExamples(operation.querystring)
  if (operation.headers !== undefined) operation.headers = withoutExamples(operation.headers)
  const declared = isRecord(operation.response) ? operation.response : {}
  const others = Object.entries(declared).filter(([, response]) => codesOf(response) === undefined)
  operation.response = {
    ...Object.fromEntries(others.map(([status, response]) => [status, referenceResponse(response)])),
    ...problemResponsesOf(route, operation, declared)
  }
  return { schema: operation, url }
}

/* ---- Headers that hooks (not route schemas) put on the wire ---- */

const HTTP_METHODS = new Set(['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'])

const integerHeader = (description: string): Json => ({ description, schema: { type: 'integer', format: 'int32', minimum: 0, maximum: INT32_MAX } })

/**
 * What helmet sets on every response (lib/security-headers.ts, computed once at start, so the same
 * fixed value everywhere, /swagger included): each header's canonical name and meaning. A header
 * helmet sends that is not described here stops document generation.
 */
const SECURITY_HEADER_DESCRIPTIONS: Record<string, readonly [name: string, description: string]> = {
  'content-security-policy': ['Content-Security-Policy', 'Browsers load scripts, styles, images, fonts and connections only from this origin, run no inline script and let no page frame this response'],
  'cross-origin-opener-policy': ['Cross-Origin-Opener-Policy', 'A document from this origin shares no browsing context group with cross-origin windows'],
  'cross-origin-resource-policy': ['Cross-Origin-Resource-Policy', 'Browsers let only this origin load the response as a subresource (no-cors requests)'],
  'origin-agent-cluster': ['Origin-Agent-Cluster', 'Asks the browser to isolate this origin in its own agent cluster'],
  'referrer-policy': ['Referrer-Policy', 'Browsers send no Referer when leaving a document of this origin'],
  'strict-transport-security': ['Strict-Transport-Security', 'Browsers reach this host and its subdomains over HTTPS only, for a year (ignored on plain HTTP)'],
  'x-content-type-options': ['X-Content-Type-Options', 'Browsers use the declared Content-Type, never a sniffed one'],
  'x-dns-prefetch-control': ['X-DNS-Prefetch-Control', 'Browsers do not prefetch DNS for links in the response'],
  'x-download-options': ['X-Download-Options', 'Old Internet Explorer saves a download instead of opening it in the site\'s context'],
  'x-frame-options': ['X-Frame-Options', 'Legacy framing control for browsers without CSP frame-ancestors (which forbids any framing)'],
  'x-permitted-cross-domain-policies': ['X-Permitted-Cross-Domain-Policies', 'Adobe clients (Flash, Acrobat) load no cross-domain policy file'],
  'x-xss-protection': ['X-XSS-Protection', 'Turns off the XSS auditor of old browsers (itself a source of leaks); CSP protects instead']
}
/** Every value but the CSP is a token or two; the CSP a policy line. */
const securityHeaderMaxLength = (name: string): number => name === 'content-security-policy' ? 1024 : 128

/** A header of every response, declared once under `components.headers` and referenced. */
interface SharedHeader { readonly name: string, readonly header: Json }

function securityHeaderComponents (): SharedHeader[] {
  return SECURITY_HEADERS.map(([lower, value]) => {
    const described = SECURITY_HEADER_DESCRIPTIONS[lower]
    const maxLength = securityHeaderMaxLength(lower)
    if (described === undefined) throw new Error(`helmet sends ${lower}, which lib/openapi/transform.ts does not describe`)
    if (value.length > maxLength) throw new Error(`helmet's ${lower} (${value.length} characters) is longer than its declared maxLength ${maxLength}`)
    const [name, description] = described
    return { name, header: { description: `Set on every response, always to this value (helmet): ${description}`, schema: { type: 'string', maxLength, examples: [value] } } }
  })
}

/**
 * The headers every response may carry, whatever its operation and status: the request id, the
 * fixed security headers, Vary, and the CORS headers of actual (not preflight) requests
 * (plugins/external/security.ts; no Access-Control-Allow-Credentials: credentials are not allowed).
 */
const SHARED_HEADERS: readonly SharedHeader[] = [
  {
    name: 'X-Request-Id',
    header: {
      description: 'The id of this request (the caller\'s X-Request-Id when it sent a valid one); also in logs and problem bodies',
      schema: { type: 'string', maxLength: MAX_REQUEST_ID_LENGTH }
    }
  },
  ...securityHeaderComponents(),
  {
    name: 'Vary',
    header: {
      description: 'The request headers the response depends on, for caches: `Origin` on every response when CORS is on (CORS_ORIGINS), `accept-encoding` on every response with a body of a compressible type (JSON, problem+json, NDJSON, text), whatever its size and also when sent uncompressed, and on every 304 (which repeats the Vary of its 200); absent when neither applies',
      schema: { type: 'string', maxLength: 128, examples: ['Origin, accept-encoding'] }
    }
  },
  {
    name: 'Access-Control-Allow-Origin',
    header: {
      description: 'CORS: the request\'s Origin, echoed only when it is one the deployment allows (CORS_ORIGINS; with `*` any origin of at most 2048 characters). Absent for any other or no Origin, and when CORS is off (the production default)',
      schema: { type: 'string', maxLength: MAX_URL_LENGTH, examples: ['https://shop.example.com'] }
    }
  },
  {
    name: 'Access-Control-Expose-Headers',
    header: {
      description: 'CORS: the response headers a browser script of an allowed Origin may read. Sent on every response when CORS is on (CORS_ORIGINS), whatever the Origin (it grants nothing without Access-Control-Allow-Origin); absent when CORS is off (the production default)',
      schema: { type: 'string', maxLength: 256, examples: [CORS_EXPOSED_HEADERS.join(', ')] }
    }
  }
]
/**
 * The headers hooks add, each declared once under `components.headers` (in this order) and
 * referenced from every response that carries it: hundreds of responses, one definition.
 */
const HEADER_COMPONENTS = new Map<string, Json>()
/** Registers each header as a component; `{ name: { $ref } }` for a response's `headers`. */
function headerRefs (headers: Record<string, Json>): Json {
  for (const [name, header] of Object.entries(headers)) {
    if (HEADER_COMPONENTS.has(name)) throw new Error(`response header ${name} is defined twice`)
    HEADER_COMPONENTS.set(name, header)
  }
  return Object.fromEntries(Object.keys(headers).map((name) => [name, { $ref: `#/components/headers/${name}` }]))
}
const SHARED_HEADER_REFS: Json = headerRefs(Object.fromEntries(SHARED_HEADERS.map(({ name, header }) => [name, header])))
const RATE_LIMIT_HEADERS: Json = headerRefs({
  'RateLimit-Limit': integerHeader('Requests allowed in the current window'),
  'RateLimit-Remaining': integerHeader('Requests left in the current window'),
  'RateLimit-Reset': integerHeader('Seconds until the window resets')
})
const RETRY_AFTER: Json = headerRefs({ 'Retry-After': integerHeader('Seconds to wait before retrying') })
/** plugins/external/compress.ts: bodies over 1 KiB are compressed when Accept-Encoding asks. */
const CONTENT_ENCODING: Json = headerRefs({
  'Content-Encoding': {
    description: 'How the body is compressed, when the client asked for it (Accept-Encoding) and the body is over 1 KiB; absent otherwise',
    schema: { type: 'string', enum: ['br', 'gzip', 'deflate', 'zstd'] }
  }
})
/** A 415 for a Content-Encoding the API cannot decompress names those it can (RFC 9110 §15.5.16). */
const ACCEPT_ENCODING: Json = headerRefs({
  'Accept-Encoding': {
    description: 'On a 415 for a request Content-Encoding that is not supported: the codings request bodies may use',
    schema: { type: 'string', enum: ['gzip, deflate'] }
  }
})
const WWW_AUTHENTICATE: Json = headerRefs({
  'WWW-Authenticate': { description: 'The authentication scheme to use: `Bearer`', schema: { type: 'string', enum: ['Bearer'] } }
})

const DEPRECATION_HEADERS: Json = {
  Deprecation: { description: 'RFC 9745: this operation is deprecated, since the given time (`@` and Unix seconds)', schema: { type: 'string', examples: ['@1767225600'] } },
  Sunset: { description: 'RFC 8594: after this HTTP-date the operation may no longer be served', schema: { type: 'string', examples: ['Wed, 30 Jun 2027 00:00:00 GMT'] } },
  Link: { description: 'RFC 8288 link to the deprecation notice, `rel="deprecation"` (after the pagination link, if any)', schema: { type: 'string', examples: ['<https://docs.example.com/deprecations/products-v1>; rel="deprecation"'] } }
}

/**
 * Errors leave as RFC 9457 documents: say so instead of application/json. Only for a Problem: a
 * not-ready readiness probe answers 503 with its own JSON body (the checks).
 */
function useProblemMediaType (response: Json): void {
  const content = response.content
  if (!isRecord(content) || !('application/json' in content)) return
  const json = content['application/json']
  const schema = isRecord(json) ? json.schema : undefined
  if (isRecord(schema) && typeof schema.$ref === 'string' && !schema.$ref.endsWith('/Problem')) return
  response.content = { 'application/problem+json': json }
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
    ...SHARED_HEADER_REFS,
    ...(statusCode !== 204 && statusCode !== 304 && response.content !== undefined ? CONTENT_ENCODING : {}),
    ...(context.limited ? RATE_LIMIT_HEADERS : {}),
    ...((context.limited && statusCode === 429) || statusCode === 503 || (context.idempotent && statusCode === 409) ? RETRY_AFTER : {}),
    ...(context.bearer && statusCode === 401 ? WWW_AUTHENTICATE : {}),
    ...(statusCode === 415 ? ACCEPT_ENCODING : {})
  }
}

const hasParameter = (operation: Json, where: string, name?: string): boolean =>
  Array.isArray(operation.parameters) && operation.parameters.some((parameter) =>
    isRecord(parameter) && parameter.in === where && (name === undefined || String(parameter.name).toLowerCase() === name))

const usesBearer = (operation: Json): boolean =>
  Array.isArray(operation.security) && operation.security.some((requirement) => isRecord(requirement) && 'bearerAuth' in requirement)

/**
 * Adds to the generated document what hooks put on the wire: on every response X-Request-Id, the
 * fixed security headers, Vary and the CORS headers (`components.headers`, referenced), RateLimit-*
 * on every rate-limited one, Retry-After on 429/503 (and the 409 of idempotent
 * operations), the problem responses every operation of its shape can give (400, 406, 408, 413, 414, 415, 417, 431),
 * the ProblemCode enum and Problem's extension members, WWW-Authenticate on the 401
 * of bearer operations, Accept-Encoding on 415s, Deprecation, Sunset and Link on every response of a deprecated operation
 * (plugins/app/deprecation.ts), the problem+json media type of errors; `security: []` on public
 * operations, so tools read them as deliberately public rather than unspecified; and the
 * `webhooks` the delivery worker sends (lib/openapi/webhooks.ts).
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
      for (const parameter of Array.isArray(operation.parameters) ? operation.parameters : []) if (isRecord(parameter)) referenceParameter(parameter)
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
  // The registry is the one source of components: addSchema'd schemas (routes/webhooks, routes/events)
  // would otherwise come back as @fastify/swagger copied them, their named enums inlined.
  const schemas = componentSchemas()
  describeProblemComponents(schemas)
  openapi.components = { ...openapi.components, schemas, headers: Object.fromEntries(HEADER_COMPONENTS) }
  Object.assign(openapi, { webhooks: webhookOperations() })
  // Spectral's OWASP rules want servers marked public or internal explicitly.
  for (const server of Array.isArray(openapi.servers) ? openapi.servers : []) {
    if (isRecord(server)) server['x-internal'] = false
  }
  return openapi
}
