/**
 * Products written per second: POST /api/products/batch (1000 new products a request) against
 * one-by-one POST /api/products, alternated in one run against the BUILT server on real
 * Postgres. Usage: `npm run bench:batch`. Env: DATABASE_URL (a throwaway database is created
 * on that server), BENCH_ROUNDS (4), BENCH_SECONDS (5), BENCH_CONNECTIONS (20 one-by-one; 2 batches at once).
 */
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import autocannon from 'autocannon'
import pg from 'pg'
import { freePort } from './free-port.js'

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 4)
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5)
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 20)
const BATCH = 1000
const ADMIN = { email: 'bench-admin@example.com', password: randomBytes(18).toString('base64url') }
const adminUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'

async function main (): Promise<void> {
  const name = `goshop_bench_batch_${randomBytes(4).toString('hex')}`
  const admin = new pg.Client({ connectionString: adminUrl })
  await admin.connect()
  await admin.query(`CREATE DATABASE ${name}`)
  const url = new URL(adminUrl)
  url.pathname = `/${name}`
  const port = await freePort()
  const server = spawn(process.execPath, [fileURLToPath(new URL('../server.js', import.meta.url))], {
    env: {
      PATH: process.env.PATH ?? '',
      APP_ENV: 'production',
      HOST: '127.0.0.1',
      PORT: String(port),
      LOG_LEVEL: 'warn',
      DATABASE_URL: url.toString(),
      MIGRATE_ON_START: 'true',
      JWT_SECRET: randomBytes(32).toString('hex'),
      ADMIN_EMAIL: ADMIN.email,
      ADMIN_PASSWORD: ADMIN.password,
      RATE_LIMIT_MAX: '100000000',
      RATE_LIMIT_AUTH_MAX: '100000'
    },
    stdio: ['ignore', 'inherit', 'inherit']
  })
  const base = `http://127.0.0.1:${port}`
  try {
    for (let i = 0; ; i++) {
      try { if ((await fetch(`${base}/health/ready`)).ok) break } catch {}
      if (i > 600) throw new Error('the server did not start')
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
    const login = await fetch(`${base}/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(ADMIN) })
    const token = String((await login.json() as { access_token: string }).access_token)
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${token}` }
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
    server.kill('SIGTERM')
    await new Promise((resolve) => server.once('exit', resolve))
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
    await admin.end()
  }
}

await main()
