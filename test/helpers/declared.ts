/**
 * Whether what the service answered is what the OpenAPI document declares for that operation:
 * the status, every header, and for a problem its code (one of the examples of that status).
 * Used by the e2e audit (test/e2e/header-audit.ts) and the hostile suite (test/hostile/fuzz.test.ts).
 */
export interface Answer { method: string, pathname: string, status: number, headers: string[], code?: string | undefined }

type Json = Record<string, unknown>
const isRecord = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value)
const at = (value: unknown, key: string): Json => isRecord(value) && isRecord(value[key]) ? value[key] : {}

/**
 * Headers HTTP itself defines on every message (framing, the body's type and length, the date).
 * Everything else, the security headers, Vary and CORS included, must be declared on the response.
 */
const UNDECLARED_BY_DESIGN = new Set(['content-type', 'content-length', 'date', 'connection', 'keep-alive', 'transfer-encoding'])
const isUndeclaredByDesign = (name: string): boolean => UNDECLARED_BY_DESIGN.has(name)

export interface DeclaredContract {
  /** The operation an answer belongs to (`GET /api/products/{id}`), or undefined for a path the document does not have. */
  operationOf: (answer: Answer) => string | undefined
  /** What about the answer the document does not declare (empty when everything is). */
  undeclared: (answer: Answer) => string[]
}

export function declaredContract (document: unknown): DeclaredContract {
  const paths = at(document, 'paths')
  // Most specific (fewest parameters) first.
  const routes = Object.keys(paths)
    .map((template) => ({ template, pattern: new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}/?$`) }))
    .sort((a, b) => (a.template.match(/\{/g)?.length ?? 0) - (b.template.match(/\{/g)?.length ?? 0))
  const find = (answer: Answer): { name: string, operation: Json } | undefined => {
    const route = routes.find((r) => r.pattern.test(answer.pathname))
    const operation = route === undefined ? {} : at(paths[route.template], answer.method.toLowerCase())
    return route === undefined || Object.keys(operation).length === 0 ? undefined : { name: `${answer.method} ${route.template}`, operation }
  }
  return {
    operationOf: (answer) => find(answer)?.name,
    undeclared: (answer) => {
      const found = find(answer)
      if (found === undefined) return []
      const response = at(at(found.operation, 'responses'), String(answer.status))
      if (Object.keys(response).length === 0) return [`${found.name}: status ${answer.status} is not documented`]
      const headers = new Set(Object.keys(at(response, 'headers')).map((h) => h.toLowerCase()))
      const problems = answer.headers.filter((h) => !isUndeclaredByDesign(h) && !headers.has(h)).map((h) => `${found.name} ${answer.status}: header ${h}`)
      const codes = Object.keys(at(at(at(response, 'content'), 'application/problem+json'), 'examples'))
      if (answer.code !== undefined && !codes.includes(answer.code)) problems.push(`${found.name} ${answer.status}: code ${answer.code} (declared: ${codes.join(', ') || 'none'})`)
      return problems
    }
  }
}
