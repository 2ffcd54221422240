/**
 * Order throughput with and without an active webhook endpoint, interleaved in one run
 * (none, endpoint, none, endpoint, ...) against the BUILT server on real Postgres, with the
 * delivery worker on and a local receiver answering 200. Usage: `npm run -s build &&
 * node dist/scripts/bench-webhooks.js`. Env: DATABASE_URL (a throwaway database is created
 * on that server), BENCH_ROUNDS (6), BENCH_SECONDS (5), BENCH_CONNECTIONS (20).
 */
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import autocannon from 'autocannon'
import { startBenchServer } from './bench-server.js'

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 6)
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5)
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 20)

async function api (base: string, method: string, path: string, body?: unknown, token?: string): Promise<Record<string, unknown>> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...(token !== undefined ? { authorization: `Bearer ${token}` } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {})
  })
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`)
  return res.status === 204 ? {} : await res.json() as Record<string, unknown>
}

async function main (): Promise<void> {
  let received = 0
  const receiver = http.createServer((req, res) => { req.resume(); req.on('end', () => { received++; res.writeHead(200).end() }) })
  await new Promise<void>((resolve) => { receiver.listen(0, '127.0.0.1', resolve) })
  const server = await startBenchServer('goshop_bench_webhooks', { WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true' })
  const { base } = server
  const token = server.headers.authorization?.replace(/^Bearer /, '')
  try {
    const products = await Promise.all(Array.from({ length: 100 }, async (_, i) => await api(base, 'POST', '/api/products', { sku: `BENCH-WH-${i}`, name: `Bench ${i}`, price_cents: 100, stock: 1_000_000_000 }, token)))
    await api(base, 'POST', '/register', { email: 'bench-wh-customer@example.com', password: 'bench-customer-password' })
    const customerToken = String((await api(base, 'POST', '/login', { email: 'bench-wh-customer@example.com', password: 'bench-customer-password' })).access_token)
    const endpoint = await api(base, 'POST', '/api/webhooks', { url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`, events: ['order.created', 'order.status_changed', 'product.out_of_stock'] }, token)
    let n = 0
    const requests = [{
      method: 'POST' as const,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${customerToken}` },
      setupRequest: (request: autocannon.Request) => ({ ...request, body: JSON.stringify({ items: [{ product_id: String(products[n++ % products.length]?.id), quantity: 1 }] }) })
    }]
    const results: Record<'none' | 'endpoint', number[]> = { none: [], endpoint: [] }
    for (let round = 0; round < ROUNDS; round++) {
      const mode = round % 2 === 0 ? 'none' : 'endpoint'
      await api(base, 'PATCH', `/api/webhooks/${String(endpoint.id)}`, { enabled: mode === 'endpoint' }, token)
      const result = await autocannon({ url: `${base}/api/orders`, connections: CONNECTIONS, duration: SECONDS, requests })
      const ok = result['2xx'] / SECONDS
      results[mode].push(ok)
      console.log(`round ${round + 1} ${mode.padEnd(8)} ${ok.toFixed(0)} orders/s  p50 ${result.latency.p50} ms  p99 ${result.latency.p99} ms  non-2xx ${result.non2xx}  received so far ${received}`)
    }
    const median = (values: number[]): number => { const s = [...values].sort((a, b) => a - b); return s[Math.floor(s.length / 2)] ?? 0 }
    const none = median(results.none)
    const withEndpoint = median(results.endpoint)
    console.log(`median: without endpoint ${none.toFixed(0)} orders/s, with an active endpoint ${withEndpoint.toFixed(0)} orders/s (${((withEndpoint / none - 1) * 100).toFixed(1)} %)`)
  } finally {
    await server.stop()
    receiver.close()
  }
}

await main()
