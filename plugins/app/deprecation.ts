import type { onSendHookHandler } from 'fastify'
import fp from 'fastify-plugin'
import { deprecationHeaders } from '../../lib/http/deprecation.js'
import { routeHooks } from '../../lib/route-hooks.js'

/**
 * Operations marked deprecated (`deprecatedOperation` in lib/http/deprecation.ts) answer every
 * response with `Deprecation` (RFC 9745), `Sunset` (RFC 8594) and `Link: <notice>;
 * rel="deprecation"`. Which routes, and their header values, are decided once as each route is
 * added; routes that are not deprecated get no hook at all.
 */
export default fp(async function deprecationPlugin (fastify) {
  fastify.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method.join(',') : route.method
    const headers = deprecationHeaders(route.schema, `${methods} ${route.url}`)
    if (headers === null) return
    const announce: onSendHookHandler = async (_request, reply, payload) => {
      // A list's pagination Link stays: the deprecation link is added to it.
      const link = reply.getHeader('link')
      reply.header('deprecation', headers.deprecation)
      reply.header('sunset', headers.sunset)
      reply.header('link', link === undefined ? headers.link : `${String(link)}, ${headers.link}`)
      return payload
    }
    route.onSend = [...routeHooks(route.onSend), announce]
  })
}, { name: 'deprecation' })
