import type { FastifyRateLimitStore } from '@fastify/rate-limit'

export type IncrCallback = Parameters<FastifyRateLimitStore['incr']>[1]

/** The plugin hands child() its merged route params, whose `routeInfo` is the route's options. */
export function routeKey (params: object): string {
  const info = 'routeInfo' in params && typeof params.routeInfo === 'object' && params.routeInfo !== null ? params.routeInfo : {}
  const method = 'method' in info ? String(info.method) : ''
  const url = 'url' in info ? String(info.url) : ''
  return `${method}${url}`
}
