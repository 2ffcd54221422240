import FindMyWay, { type HTTPMethod } from 'find-my-way'
import fp from 'fastify-plugin'

export interface RouteSummary {
  method: string
  url: string
  summary?: string
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Every public route (method + URL template), for /help. */
    routeTable: RouteSummary[]
    /** The methods served on a concrete path (for 405 and Allow). */
    allowedMethods: (path: string) => string[]
  }
}

// OPTIONS is left out: CORS answers preflights on every path.
const METHODS: HTTPMethod[] = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE']
const isRoutable = (method: string): method is HTTPMethod => (METHODS as string[]).includes(method)

const HIDDEN = /^\/swagger\/(static|uiConfig|initOAuth)|\*$/

/**
 * Records routes as they are added, so unknown methods on known paths can answer 405
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

  fastify.decorate('allowedMethods', (path: string): HTTPMethod[] => METHODS.filter((method) => router.find(method, path) !== null))
}, { name: 'route-table' })
