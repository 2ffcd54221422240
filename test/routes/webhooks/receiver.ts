import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { Webhook } from 'standardwebhooks'
import type { TestContext } from '../../helpers/database.js'

export interface Received {
  path: string
  headers: http.IncomingHttpHeaders
  body: string
}

export interface Receiver {
  url: string
  port: number
  received: Received[]
  /** The status (and body) the next requests get; 200 by default. */
  respond: (reply: (req: Received) => { status: number, body?: string, headers?: Record<string, string> } | 'hang') => void
  close: () => Promise<void>
  /** Starts listening again on the same port after close(). */
  listen: () => Promise<void>
}

/** A real HTTP receiver on 127.0.0.1 that records every request; closed at teardown. */
export async function startReceiver (t: TestContext, port = 0): Promise<Receiver> {
  const received: Received[] = []
  let reply: Parameters<Receiver['respond']>[0] = () => ({ status: 200 })
  const server = http.createServer((req, res) => {
    let body = ''
    req.setEncoding('utf8')
    req.on('data', (chunk: string) => { body += chunk })
    req.on('end', () => {
      const entry = { path: req.url ?? '', headers: req.headers, body }
      received.push(entry)
      const answer = reply(entry)
      if (answer === 'hang') return
      res.writeHead(answer.status, answer.headers ?? {}).end(answer.body ?? '')
    })
  })
  const listen = async (at: number): Promise<number> => await new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(at, '127.0.0.1', () => { resolve((server.address() as AddressInfo).port) })
  })
  const bound = await listen(port)
  const close = async (): Promise<void> => {
    if (!server.listening) return
    server.closeAllConnections()
    await new Promise<void>((resolve) => { server.close(() => { resolve() }) })
  }
  t.teardown(close)
  return {
    url: `http://127.0.0.1:${bound}/hooks`,
    port: bound,
    received,
    respond: (fn) => { reply = fn },
    close,
    listen: async () => { await listen(bound) }
  }
}

export interface VerifiedEvent {
  id: string
  type: string
  created_at: string
  data: Record<string, unknown>
}

/**
 * Verifies a request with the `standardwebhooks` reference implementation (not this
 * service's signer) and returns the event; throws when the signature does not hold.
 */
export function verified (secret: string, request: Received): VerifiedEvent {
  const headers = {
    'webhook-id': String(request.headers['webhook-id']),
    'webhook-timestamp': String(request.headers['webhook-timestamp']),
    'webhook-signature': String(request.headers['webhook-signature'])
  }
  const event = new Webhook(secret).verify(request.body, headers)
  if (typeof event !== 'object' || event === null || !('id' in event) || !('type' in event) || !('data' in event) || !('created_at' in event)) {
    throw new Error(`not an event: ${request.body}`)
  }
  if (event.id !== headers['webhook-id']) throw new Error('webhook-id is not the event id')
  return { id: String(event.id), type: String(event.type), created_at: String(event.created_at), data: Object(event.data) }
}
