import { helmetHeaders } from '../../lib/security-headers.js'
import type { Test } from 'tap'

/**
 * Every response the e2e suite receives from the server (through openapi-fetch or plain fetch)
 * is recorded, then compared with the live document: each header sent must be declared on that
 * operation's response for that status, so the document cannot drift from the wire again.
 */
interface Exchange { method: string, url: URL, status: number, headers: string[], problemType?: string }

const exchanges: Exchange[] = []
let installed = false

/** Headers HTTP itself defines on every message, the fixed security headers (helmet, SPEC 4) and CORS (deployment configuration). */
const UNDECLARED_BY_DESIGN = new Set([
  'content-type', 'content-length', 'date', 'connection', 'keep-alive', 'transfer-encoding', 'vary',
  ...helmetHeaders().map(([name]) => name.toLowerCase())
])
const isUndeclaredByDesign = (name: string): boolean => UNDECLARED_BY_DESIGN.has(name) || name.startsWith('access-control-')

/** Wraps global fetch (before any client is made) so every exchange of the suite is recorded; restored at teardown. */
export function recordExchanges (t: Test): void {
  if (installed) throw new Error('exchanges are already being recorded')
  installed = true
  exchanges.length = 0
  const original = globalThis.fetch
  globalThis.fetch = async (input, init) => {
    const request = new Request(input, init)
    const response = await original(request)
    const problem: unknown = response.headers.get('content-type')?.startsWith('application/problem+json') === true ? await response.clone().json() : undefined
    const problemType = isRecord(problem) && typeof problem.type === 'string' ? { problemType: problem.type } : {}
    exchanges.push({ method: request.method, url: new URL(request.url), status: response.status, headers: [...response.headers.keys()], ...problemType })
    return response
  }
  t.teardown(() => {
    globalThis.fetch = original
    installed = false
  })
}

type Json = Record<string, unknown>
const isRecord = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value)
const at = (value: unknown, key: string): Json => isRecord(value) && isRecord(value[key]) ? value[key] : {}

/** Document path templates as regular expressions, most specific (fewest parameters) first. */
function templates (paths: Json): Array<{ template: string, pattern: RegExp }> {
  return Object.keys(paths)
    .map((template) => ({ template, pattern: new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}/?$`) }))
    .sort((a, b) => (a.template.match(/\{/g)?.length ?? 0) - (b.template.match(/\{/g)?.length ?? 0))
}

/** Asserts that every recorded exchange (with any server of the suite) of a documented operation only carried declared headers. */
export async function assertHeadersDeclared (t: Test, baseUrl: string): Promise<void> {
  const recorded = [...exchanges]
  const res = await fetch(`${baseUrl}/swagger/json`)
  const paths = at(await res.json(), 'paths')
  const routes = templates(paths)
  const undeclared = new Set<string>()
  const undocumentedStatus = new Set<string>()
  let checked = 0
  for (const exchange of recorded) {
    const route = routes.find((r) => r.pattern.test(exchange.url.pathname))
    const operation = route === undefined ? undefined : at(paths[route.template], exchange.method.toLowerCase())
    if (route === undefined || operation === undefined || Object.keys(operation).length === 0) continue
    const name = `${exchange.method} ${route.template} ${exchange.status}`
    const response = at(at(operation, 'responses'), String(exchange.status))
    if (Object.keys(response).length === 0) {
      undocumentedStatus.add(name)
      continue
    }
    checked++
    const declared = new Set(Object.keys(at(response, 'headers')).map((h) => h.toLowerCase()))
    for (const header of exchange.headers) {
      if (!isUndeclaredByDesign(header) && !declared.has(header)) undeclared.add(`${name}: ${header}`)
    }
  }
  t.ok(checked > 0, `${checked} of ${recorded.length} exchanges were with documented responses`)
  t.same([...undocumentedStatus].sort(), [], 'every status the operations answered is documented')
  t.same([...undeclared].sort(), [], 'every header sent is declared on its response')

  // Every problem type the flows met resolves to its entry in the registry (GET /problems/{slug}).
  const types = new Set(recorded.map((e) => e.problemType).filter((type): type is string => type !== undefined))
  for (const type of types) {
    const explained = await fetch(new URL(type, baseUrl))
    t.equal(explained.status, 200, `problem type ${type} resolves`)
  }
}
