/**
 * `npm run bench:export`: GET /api/products/export over 1,000,000 products against the BUILT
 * server on real Postgres (a throwaway database, seeded with one INSERT ... SELECT
 * generate_series). Prints rows/s and bytes/s of the whole stream read by a client, and the
 * server's RSS before and at its highest during the export (sampled from /proc every 50 ms),
 * for an identity and a gzip export. Env: DATABASE_URL, BENCH_EXPORT_PRODUCTS (1000000).
 */
import { readFileSync } from 'node:fs'
import { startBenchServer } from './bench-server.js'

const PRODUCTS = Number(process.env.BENCH_EXPORT_PRODUCTS ?? 1_000_000)

const rssMiB = (pid: number): number => {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((entry) => entry.startsWith('VmRSS:')) ?? ''
  return Number(/(\d+)/.exec(line)?.[1] ?? 0) / 1024
}

async function exportOnce (base: string, headers: Record<string, string>, pid: number, encoding: string): Promise<void> {
  const before = rssMiB(pid)
  let peak = before
  const sampler = setInterval(() => { peak = Math.max(peak, rssMiB(pid)) }, 50)
  try {
    await readExport(base, headers, encoding, before, () => peak)
  } finally {
    clearInterval(sampler)
  }
}

async function readExport (base: string, headers: Record<string, string>, encoding: string, before: number, peak: () => number): Promise<void> {
  const started = performance.now()
  const response = await fetch(`${base}/api/products/export`, { headers: { ...headers, 'accept-encoding': encoding } })
  if (response.status !== 200 || response.body === null) throw new Error(`export: ${response.status} ${await response.text()}`)
  let lines = 0
  let bytes = 0
  // fetch decompresses gzip: count the lines of what the client gets.
  for await (const chunk of response.body) {
    bytes += chunk.length
    for (const byte of chunk) if (byte === 10) lines++
  }
  const seconds = (performance.now() - started) / 1000
  if (lines !== PRODUCTS) throw new Error(`expected ${PRODUCTS} lines, got ${lines}`)
  console.log(`${encoding.padEnd(8)} ${lines} rows in ${seconds.toFixed(1)} s: ${Math.round(lines / seconds)} rows/s, ` +
    `${(bytes / seconds / 1024 / 1024).toFixed(1)} MiB/s (decoded); server RSS ${before.toFixed(0)} MiB before, peak ${peak().toFixed(0)} MiB (+${(peak() - before).toFixed(1)} MiB)`)
}

async function main (): Promise<void> {
  const { base, headers, pid, sql, stop } = await startBenchServer('goshop_bench_export')
  try {
    const seeding = performance.now()
    await sql.query(`INSERT INTO products (sku, name, description, price_cents, stock, created_at, updated_at)
      SELECT 'EXP-' || g,
        (ARRAY['Red', 'Blue', 'Green', 'Black', 'White'])[1 + g % 5] || ' ' || (ARRAY['shirt', 'mug', 'hat', 'sock', 'bag'])[1 + (g / 5) % 5] || ' ' || g,
        'A product of the export benchmark, number ' || g, 100 + g % 10000, g % 50, now() - make_interval(secs => g), now()
      FROM generate_series(1, $1::int) AS g`, [PRODUCTS])
    await sql.query('ANALYZE products')
    console.log(`seeded ${PRODUCTS} products in ${((performance.now() - seeding) / 1000).toFixed(1)} s`)
    for (const encoding of ['identity', 'gzip', 'identity']) await exportOnce(base, headers, pid, encoding)
  } finally {
    await stop()
  }
}

await main()
