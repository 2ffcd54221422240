import type { FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { AppError } from '../../lib/app-error.js'
import { HTTP_PROBLEMS } from '../../lib/problems/http.js'
import { routeHooks } from '../../lib/route-hooks.js'

/** The media ranges that admit a type: itself, its `type/*` and `*\/*`. */
function rangesFor (types: Iterable<string>): Set<string> {
  const ranges = new Set(['*/*'])
  for (const type of types) ranges.add(type).add(`${type.slice(0, type.indexOf('/'))}/*`)
  return ranges
}

/** What JSON operations answer with: JSON, and problem+json for errors. */
const JSON_RANGES = rangesFor(['application/json', 'application/problem+json'])

/**
 * Whether an Accept header (RFC 9110 §12.5.1) allows one of the answers: one of its media ranges
 * is in `ranges` and is not refused with q=0. No header, or an empty one, accepts anything.
 */
export function acceptable (accept: string | undefined, ranges: ReadonlySet<string> = JSON_RANGES): boolean {
  if (accept === undefined || accept.trim() === '') return true
  return accept.split(',').some((range) => {
    const [type = '', ...parameters] = range.split(';').map((part) => part.trim().toLowerCase())
    const q = parameters.find((parameter) => parameter.startsWith('q='))
    return ranges.has(type) && (q === undefined || Number(q.slice(2)) > 0)
  })
}

/** The media types a route declares for its 200 instead of JSON (`content` of the response schema, e.g. an NDJSON export). */
function declaredMediaTypes (response: unknown): string[] {
  const ok: unknown = typeof response === 'object' && response !== null && '200' in response ? response[200] : undefined
  const content: unknown = typeof ok === 'object' && ok !== null && 'content' in ok ? ok.content : undefined
  return typeof content === 'object' && content !== null ? Object.keys(content) : []
}

/**
 * A JSON operation takes any Accept that allows JSON. One that answers in its own media type (an
 * export's NDJSON) takes an Accept that allows that type: `application/json` alone would get a
 * body it did not ask for. Its errors are problem+json either way, as every error is.
 */
const refuseUnacceptable = (declared: string[]) => {
  const ranges = declared.length === 0 ? JSON_RANGES : rangesFor(declared)
  const answers = declared.length === 0 ? 'application/json' : declared.join(', ')
  return async (request: FastifyRequest, _reply: FastifyReply): Promise<void> => {
    const accept = request.headers.accept
    if (!acceptable(accept, ranges)) {
      throw new AppError(HTTP_PROBLEMS.NOT_ACCEPTABLE, `This operation answers with ${answers} (errors: application/problem+json); Accept: ${accept ?? ''} allows neither`)
    }
  }
}

/**
 * 406 NOT_ACCEPTABLE for an Accept header the operation's answer cannot satisfy, on every documented operation
 * (a route with a response schema that is not hidden: the API). The Swagger UI assets, the YAML
 * document and /metrics answer in their own media types and are left alone.
 */
export default fp(async function acceptPlugin (fastify) {
  fastify.addHook('onRoute', (route) => {
    if (route.schema?.response === undefined || route.schema.hide === true) return
    route.onRequest = [refuseUnacceptable(declaredMediaTypes(route.schema.response)), ...routeHooks(route.onRequest)]
  })
}, { name: 'accept' })
