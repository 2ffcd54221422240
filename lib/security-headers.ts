import { IncomingMessage, ServerResponse } from 'node:http'
import { Socket } from 'node:net'
import helmet, { type HelmetOptions } from 'helmet'

export const HELMET_OPTIONS: HelmetOptions = {
  contentSecurityPolicy: {
    directives: {
      defaultSrc: ["'self'"],
      scriptSrc: ["'self'"],
      styleSrc: ["'self'", "'unsafe-inline'"],
      imgSrc: ["'self'", 'data:'],
      connectSrc: ["'self'"],
      fontSrc: ["'self'", 'data:'],
      objectSrc: ["'none'"],
      frameAncestors: ["'none'"],
      baseUri: ["'self'"],
      formAction: ["'self'"],
      // Plain-HTTP deployments (minikube, compose) must keep working; TLS is the ingress's job.
      upgradeInsecureRequests: null
    }
  },
  crossOriginEmbedderPolicy: false
}

/**
 * The headers helmet sets, computed once. @fastify/helmet calls helmet(options) on every
 * request, which parses the CSP directives again each time (BENCHMARKS.md,
 * "Performance shortcuts"). With static options (no nonces, no per-request directive functions) the headers are
 * the same for every response, so they are taken from one run of helmet's middleware over a
 * blank response and then copied onto each response.
 */
export function helmetHeaders (options: HelmetOptions = HELMET_OPTIONS): Array<[string, string]> {
  const res = new ServerResponse(new IncomingMessage(new Socket()))
  helmet(options)(res.req, res, (error?: unknown) => { if (error !== undefined) throw error })
  return Object.entries(res.getHeaders()).map(([name, value]) => [name, String(value)])
}

/**
 * The headers of every response, computed once at start. Besides the security plugin's hook,
 * the answers that no hook reaches use them: errors below the router (written on the socket),
 * router errors (bad URL, over-long parameter) and the 417 to an unsupported Expect.
 */
export const SECURITY_HEADERS: ReadonlyArray<readonly [string, string]> = helmetHeaders()

/**
 * The response headers a browser script may read cross-origin (CORS `Access-Control-Expose-Headers`,
 * plugins/external/security.ts; declared on every response in lib/openapi/transform.ts).
 */
export const CORS_EXPOSED_HEADERS: readonly string[] = ['ETag', 'Location', 'Link', 'X-Request-Id', 'Idempotent-Replayed', 'Retry-After', 'RateLimit-Limit', 'RateLimit-Remaining', 'RateLimit-Reset', 'Deprecation', 'Sunset']
