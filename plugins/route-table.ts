import FindMyWay, { type HTTPMethod } from 'find-my-way'
import fp from 'fastify-plugin'
import { sendProblem } from './problem.js'

export interface RouteSummary {
  method: string
  url: string
  summary?: string
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Every public route (method + URL template), for /help. */
    routeTable: RouteSummary[]
  }
}

// OPTIONS is left out: CORS answers preflights on every path.
const METHODS: HTTPMethod[] = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE']
const isRoutable = (method: string): method is HTTPMethod => (METHODS as string[]).includes(method)

const HIDDEN = /^\/swagger\/(static|uiConfig|initOAuth)|\*$/

/**
 * Records routes as they are added, so unknown methods on known paths answer 405
 * with an Allow header (Fastify answers 404) and /help can list the API.
 */
export default fp(async function routeTablePlugin (fastify) {
  const router = FindMyWay()
  const table: RouteSummary[] = []
  fastify.decorate('routeTable', table)

  fastify.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method]
    for (const method of methods) {
      if (!isRoutable(method)) continue
      try {
        router.on(method, route.url, () => {})
      } catch {
        // find-my-way rejects duplicate registrations; the first is enough for lookups.
      }
      if (method === 'HEAD' || HIDDEN.test(route.url) || route.schema?.hide === true) continue
      const summary = route.schema?.summary
      table.push({ method, url: route.url, ...(typeof summary === 'string' ? { summary } : {}) })
    }
  })

  fastify.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0] ?? '/'
    const allowed = METHODS.filter((method) => method !== request.method && router.find(method, path) !== null)
    if (allowed.length > 0) {
      reply.header('allow', allowed.join(', '))
      return sendProblem(request, reply, { status: 405, code: 'METHOD_NOT_ALLOWED', detail: `${request.method} is not allowed on ${path}; allowed: ${allowed.join(', ')}` })
    }
    return sendProblem(request, reply, { status: 404, code: 'ROUTE_NOT_FOUND', detail: `No route ${request.method} ${path}` })
  })
}, { name: 'route-table' })
