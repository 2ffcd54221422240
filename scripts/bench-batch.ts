/**
 * Products written per second: POST /api/products/batch (1000 new products a request) against
 * one-by-one POST /api/products, alternated in one run against the BUILT server on real
 * Postgres. Usage: `npm run bench:batch`. Env: DATABASE_URL (a throwaway database is created
 * on that server), BENCH_ROUNDS (4), BENCH_SECONDS (5), BENCH_CONNECTIONS (20 one-by-one; 2 batches at once).
 */
import autocannon from 'autocannon'
import { startBenchServer } from './bench-server.js'

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 4)
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5)
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 20)
const BATCH = 1000

async function main (): Promise<void> {
  const { base, headers, stop } = await startBenchServer('goshop_bench_batch')
  try {
    let sku = 0
    const product = () => ({ sku: `BENCH-${sku++}`, name: 'Bench product', description: 'A product written by the batch benchmark', price_cents: 1999, stock: 10 })
    const single = [{ method: 'POST' as const, headers, setupRequest: (request: autocannon.Request) => ({ ...request, body: JSON.stringify(product()) }) }]
    const batch = [{
      method: 'POST' as const,
      headers,
      setupRequest: (request: autocannon.Request) => ({ ...request, body: JSON.stringify({ mode: 'per_item', items: Array.from({ length: BATCH }, product) }) })
    }]

    const results: Record<'single' | 'batch', number[]> = { single: [], batch: [] }
    for (let round = 0; round < ROUNDS; round++) {
      const mode = round % 2 === 0 ? 'single' : 'batch'
      const result = mode === 'single'
        ? await autocannon({ url: `${base}/api/products`, connections: CONNECTIONS, duration: SECONDS, requests: single })
        : await autocannon({ url: `${base}/api/products/batch`, connections: 2, duration: SECONDS, requests: batch, timeout: 60 })
      const perSecond = result['2xx'] * (mode === 'batch' ? BATCH : 1) / SECONDS
      results[mode].push(perSecond)
      console.log(`round ${round + 1} ${mode.padEnd(7)} ${perSecond.toFixed(0)} products/s  p50 ${result.latency.p50} ms  p99 ${result.latency.p99} ms  non-2xx ${result.non2xx}`)
    }
    const median = (values: number[]): number => { const s = [...values].sort((a, b) => a - b); return s[Math.floor(s.length / 2)] ?? 0 }
    console.log(`median: one-by-one ${median(results.single).toFixed(0)} products/s, batch of ${BATCH} ${median(results.batch).toFixed(0)} products/s (x${(median(results.batch) / median(results.single)).toFixed(1)})`)
  } finally {
    await stop()
  }
}

await main()
