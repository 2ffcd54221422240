import { randomUUID } from 'node:crypto'
import http, { STATUS_CODES } from 'node:http'
import type { HttpTimeouts } from './config.js'
import { PROBLEM_CONTENT_TYPE, problemType } from './problem.js'
import type { ProblemBody } from '../schemas/problem.js'

export interface MetricsExposition { contentType: string, body: string }

export interface MetricsListenerOptions {
  host: string
  port: number
  timeouts: HttpTimeouts
  /** The Prometheus text of the app's and the process's registries. */
  expose: () => Promise<MetricsExposition>
  onError: (error: unknown) => void
}

export interface MetricsListener {
  /** The bound port (METRICS_PORT, or the one the OS chose for 0). */
  port: number
  close: () => Promise<void>
}

function problem (response: http.ServerResponse, status: number, code: string, detail: string, instance: string): void {
  const requestId = randomUUID()
  const body: ProblemBody = { type: problemType(code), title: STATUS_CODES[status] ?? 'Error', status, detail, instance, code, request_id: requestId }
  response.writeHead(status, { 'content-type': PROBLEM_CONTENT_TYPE, 'x-request-id': requestId }).end(JSON.stringify(body))
}

/**
 * The Prometheus listener (METRICS_HOST:METRICS_PORT): GET (and HEAD) /metrics and nothing else. Kept off the
 * API port so scrapes never share the API's rate limits, and strangers never see the metrics.
 * A bare node:http server: it has one route and must stay up while the API drains at shutdown.
 */
export async function listenForMetrics (options: MetricsListenerOptions): Promise<MetricsListener> {
  const server = http.createServer({
    headersTimeout: options.timeouts.headersMs,
    requestTimeout: options.timeouts.requestMs,
    keepAliveTimeout: options.timeouts.keepAliveMs
  }, (request, response) => {
    const path = (request.url ?? '/').split('?')[0] ?? '/'
    if (path !== '/metrics') return problem(response, 404, 'ROUTE_NOT_FOUND', `No route ${request.method ?? ''} ${path}; this listener serves GET /metrics`, path)
    // HEAD as on the API port: node:http sends the headers of the GET and drops the body.
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.setHeader('allow', 'GET, HEAD')
      return problem(response, 405, 'METHOD_NOT_ALLOWED', `${request.method ?? ''} is not allowed on /metrics; allowed: GET, HEAD`, path)
    }
    options.expose().then(({ contentType, body }) => {
      response.writeHead(200, { 'content-type': contentType }).end(body)
    }, (error: unknown) => {
      options.onError(error)
      problem(response, 500, 'INTERNAL_ERROR', 'The metrics could not be collected', path)
    })
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port, options.host, () => { server.off('error', reject); resolve() })
  })
  const address = server.address()
  return {
    port: typeof address === 'object' && address !== null ? address.port : options.port,
    close: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => { resolve() })
        // A scrape takes milliseconds; idle keep-alive sockets would hold close() open.
        server.closeIdleConnections()
      })
    }
  }
}
