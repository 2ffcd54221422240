import type { FastifyInstance } from 'fastify'

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'

export interface Operation {
  method: HttpMethod
  /** The OpenAPI path template, e.g. /api/products/{id} */
  path: string
  operationId: string
  /** Needs a bearer token. */
  secured: boolean
  /** The API-key scopes that admit a key (its `apiKey` security requirement); null: access tokens only. */
  apiKeyScopes: string[] | null
  /** The roles its `bearerAuth` requirement names (empty: any account). */
  roles: string[]
  /** Declares a JSON request body. */
  hasBody: boolean
  pathParams: string[]
  queryParams: string[]
  /** Top-level properties of the JSON request body schema (empty without a body). */
  bodyProperties: string[]
  /** Header parameters the operation declares (If-Match, Idempotency-Key...). */
  headerParams: string[]
}

const METHODS: HttpMethod[] = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE']

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value)

/** The schema itself, or the component a `#/components/schemas/...` reference names. */
function resolve (doc: unknown, schema: unknown): unknown {
  if (!isRecord(schema) || typeof schema.$ref !== 'string') return schema
  const name = schema.$ref.replace('#/components/schemas/', '')
  const components = isRecord(doc) && isRecord(doc.components) && isRecord(doc.components.schemas) ? doc.components.schemas : {}
  return components[name]
}

function bodyPropertyNames (doc: unknown, requestBody: unknown): string[] {
  if (!isRecord(requestBody) || !isRecord(requestBody.content)) return []
  const json = requestBody.content['application/json']
  const schema = isRecord(json) ? resolve(doc, json.schema) : undefined
  if (!isRecord(schema) || !isRecord(schema.properties)) return []
  return Object.keys(schema.properties)
}

function parameterNames (parameters: unknown, location: string): string[] {
  if (!Array.isArray(parameters)) return []
  return parameters.filter(isRecord).filter((p) => p.in === location && typeof p.name === 'string').map((p) => String(p.name))
}

/** The scopes (or roles) listed by an operation's requirement of `scheme`; null when it has none. */
function requirement (security: unknown, scheme: string): string[] | null {
  const found = Array.isArray(security) ? security.find((entry) => isRecord(entry) && scheme in entry) : undefined
  const list: unknown = isRecord(found) ? found[scheme] : undefined
  return Array.isArray(list) ? list.map(String) : null
}

/** Every operation of the app's own OpenAPI document (GET /swagger/json), so tests cover routes added later. */
export async function listOperations (app: FastifyInstance): Promise<Operation[]> {
  const res = await app.inject({ method: 'GET', url: '/swagger/json' })
  if (res.statusCode !== 200) throw new Error(`GET /swagger/json answered ${res.statusCode}`)
  const doc: unknown = res.json()
  const paths = isRecord(doc) && isRecord(doc.paths) ? doc.paths : {}
  const operations: Operation[] = []
  for (const [path, item] of Object.entries(paths)) {
    if (!isRecord(item)) continue
    for (const method of METHODS) {
      const op = item[method.toLowerCase()]
      if (!isRecord(op)) continue
      const parameters = [...(Array.isArray(item.parameters) ? item.parameters : []), ...(Array.isArray(op.parameters) ? op.parameters : [])]
      operations.push({
        method,
        path,
        operationId: typeof op.operationId === 'string' ? op.operationId : `${method} ${path}`,
        secured: Array.isArray(op.security) && op.security.length > 0,
        apiKeyScopes: requirement(op.security, 'apiKey'),
        roles: requirement(op.security, 'bearerAuth') ?? [],
        hasBody: isRecord(op.requestBody),
        pathParams: parameterNames(parameters, 'path'),
        queryParams: parameterNames(parameters, 'query'),
        bodyProperties: bodyPropertyNames(doc, op.requestBody),
        headerParams: parameterNames(parameters, 'header')
      })
    }
  }
  return operations
}

/** Fills a path template: every {param} gets the value (URL-encoded). */
export function fillPath (path: string, value: string): string {
  return path.replace(/\{[^}]+\}/g, () => encodeURIComponent(value))
}
