import type { FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { AppError } from '../../lib/app-error.js'
import { HTTP_PROBLEMS } from '../../lib/problems/http.js'
import { routeHooks } from '../../lib/route-hooks.js'

/** What documented operations answer with: JSON, and problem+json for errors. */
const SATISFIABLE = new Set(['*/*', 'application/*', 'application/json', 'application/problem+json'])

/**
 * Whether an Accept header (RFC 9110 §12.5.1) allows JSON: one of its media ranges covers it and
 * is not refused with q=0. No header, or an empty one, accepts anything.
 */
export function acceptsJson (accept: string | undefined, alsoSatisfiable: ReadonlySet<string> = new Set()): boolean {
  if (accept === undefined || accept.trim() === '') return true
  return accept.split(',').some((range) => {
    const [type = '', ...parameters] = range.split(';').map((part) => part.trim().toLowerCase())
    const q = parameters.find((parameter) => parameter.startsWith('q='))
    return (SATISFIABLE.has(type) || alsoSatisfiable.has(type)) && (q === undefined || Number(q.slice(2)) > 0)
  })
}

/** The media types a route declares for its 200 beyond JSON (`content` of the response schema, e.g. an NDJSON export). */
function declaredMediaTypes (response: unknown): Set<string> {
  const ok: unknown = typeof response === 'object' && response !== null && '200' in response ? response[200] : undefined
  const content: unknown = typeof ok === 'object' && ok !== null && 'content' in ok ? ok.content : undefined
  return new Set(typeof content === 'object' && content !== null ? Object.keys(content) : [])
}

const refuseUnacceptable = (declared: ReadonlySet<string>) => async (request: FastifyRequest, _reply: FastifyReply): Promise<void> => {
  const accept = request.headers.accept
  if (!acceptsJson(accept, declared)) {
    const answers = declared.size === 0 ? 'application/json' : [...declared].join(', ')
    throw new AppError(HTTP_PROBLEMS.NOT_ACCEPTABLE, `This operation answers with ${answers} (errors: application/problem+json); Accept: ${accept ?? ''} allows neither`)
  }
}

/**
 * 406 NOT_ACCEPTABLE for an Accept header that JSON cannot satisfy, on every documented operation
 * (a route with a response schema that is not hidden: the API). The Swagger UI assets, the YAML
 * document and /metrics answer in their own media types and are left alone.
 */
export default fp(async function acceptPlugin (fastify) {
  fastify.addHook('onRoute', (route) => {
    if (route.schema?.response === undefined || route.schema.hide === true) return
    route.onRequest = [refuseUnacceptable(declaredMediaTypes(route.schema.response)), ...routeHooks(route.onRequest)]
  })
}, { name: 'accept' })
