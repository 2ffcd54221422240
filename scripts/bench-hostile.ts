/**
 * `npm run bench:hostile`: does a flood of hostile bodies hurt other clients? Starts the BUILT
 * server (default rate limits, TRUST_PROXY=1 so clients are told apart by X-Forwarded-For),
 * then measures another client's latency on GET /health/live and GET /api/products/{id}, first
 * quiet, then while one client sends 1 MiB of nested arrays (`[[[[...`) to POST /api/orders
 * (no token) and POST /login, each at the default budget (RATE_LIMIT_MAX per minute = 5/s).
 * Prints p50/p99/max per phase and the status counts (503s included). Never asserts: the
 * figures go to BENCHMARKS.md.
 *
 * Env: DATABASE_URL (a throwaway database is created on that server and dropped; default:
 * embedded PGlite in memory), REDIS_URL (optional), FLOOD_SECONDS per phase (15),
 * FLOOD_RATE requests/s per flooded route (5), SERVER_ENTRY (default dist/server.js, e.g. an
 * older build to compare).
 */
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import http from 'node:http'
import { fileURLToPath } from 'node:url'
import pg from 'pg'
import { freePort } from './free-port.js'

const DIST = fileURLToPath(new URL('../', import.meta.url))
const SECONDS = Number(process.env.FLOOD_SECONDS ?? 15)
const RATE = Number(process.env.FLOOD_RATE ?? 5)
const ENTRY = process.env.SERVER_ENTRY ?? `${DIST}server.js`
const ADMIN = { email: 'flood-admin@example.com', password: randomBytes(18).toString('base64url') }
const HOSTILE = Buffer.from('['.repeat(1024 * 1024))

interface Answer { status: number, body: string, ms: number }

function send (port: number, method: string, path: string, { headers = {}, body, agent }: { headers?: Record<string, string>, body?: Buffer | string, agent?: http.Agent | false } = {}): Promise<Answer> {
  const started = performance.now()
  return new Promise((resolve) => {
    const req = http.request({ host: '127.0.0.1', port, method, path, headers, agent: agent ?? false }, (res) => {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => { text += chunk })
      res.on('end', () => { resolve({ status: res.statusCode ?? 0, body: text, ms: performance.now() - started }) })
      res.on('error', () => { resolve({ status: 0, body: text, ms: performance.now() - started }) })
    })
    // A server that answers before reading the whole body may reset the upload: that is an answer too.
    req.on('error', () => { resolve({ status: 0, body: '', ms: performance.now() - started }) })
    req.end(body)
  })
}

const percentile = (values: number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN
}

const count = (statuses: number[]): Record<string, number> => {
  const counts: Record<string, number> = {}
  for (const s of statuses) counts[s] = (counts[s] ?? 0) + 1
  return counts
}

let nextIp = 0
/** Each measuring request from its own address: the measurer never spends the flooder's budget, nor its own. */
const measurerIp = (): string => `10.1.${Math.floor(nextIp / 250) % 250}.${(nextIp++ % 250) + 1}`

interface Phase { live: number[], product: number[], statuses: number[], flood: number[] }

async function measure (port: number, productPath: string, token: string, flood: boolean): Promise<Phase> {
  const phase: Phase = { live: [], product: [], statuses: [], flood: [] }
  const until = Date.now() + SECONDS * 1000
  const floods: Array<Promise<void>> = []
  const timers: NodeJS.Timeout[] = []
  if (flood) {
    for (const path of ['/api/orders', '/login']) {
      timers.push(setInterval(() => {
        floods.push(send(port, 'POST', path, { headers: { 'content-type': 'application/json', 'x-forwarded-for': '198.51.100.7' }, body: HOSTILE })
          .then((answer) => { phase.flood.push(answer.status) }))
      }, 1000 / RATE))
    }
  }
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 })
  while (Date.now() < until) {
    const live = await send(port, 'GET', '/health/live', { agent, headers: { 'x-forwarded-for': measurerIp() } })
    phase.live.push(live.ms)
    phase.statuses.push(live.status)
    const product = await send(port, 'GET', productPath, { agent, headers: { authorization: `Bearer ${token}`, 'x-forwarded-for': measurerIp() } })
    phase.product.push(product.ms)
    phase.statuses.push(product.status)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  for (const timer of timers) clearInterval(timer)
  await Promise.all(floods)
  agent.destroy()
  return phase
}

async function main (): Promise<void> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    APP_ENV: 'production',
    LOG_LEVEL: 'warn',
    JWT_SECRET: randomBytes(48).toString('base64url'),
    TRUST_PROXY: '1',
    ADMIN_EMAIL: ADMIN.email,
    ADMIN_PASSWORD: ADMIN.password,
    HOST: '127.0.0.1'
  }
  let dropDatabase = async (): Promise<void> => {}
  if (process.env.DATABASE_URL !== undefined && process.env.DATABASE_URL !== '') {
    const name = `goshop_flood_${randomBytes(4).toString('hex')}`
    const admin = new pg.Client({ connectionString: process.env.DATABASE_URL })
    await admin.connect()
    await admin.query(`CREATE DATABASE ${name}`)
    await admin.end()
    const url = new URL(process.env.DATABASE_URL)
    url.pathname = `/${name}`
    Object.assign(env, { DATABASE_URL: url.toString(), MIGRATE_ON_START: 'true' })
    dropDatabase = async () => {
      const client = new pg.Client({ connectionString: process.env.DATABASE_URL })
      await client.connect()
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
      await client.end()
    }
  } else {
    env.PGLITE_DATA_DIR = 'memory'
  }
  if (process.env.REDIS_URL !== undefined && process.env.REDIS_URL !== '') {
    Object.assign(env, { REDIS_URL: process.env.REDIS_URL, REDIS_KEY_PREFIX: `goshop:flood:${randomBytes(4).toString('hex')}:` })
  }

  const port = await freePort()
  const child = spawn(process.execPath, [ENTRY], { env: { ...env, PORT: String(port), METRICS_PORT: String(await freePort()) }, stdio: ['ignore', 'inherit', 'inherit'] })
  try {
    const bootStarted = Date.now()
    while ((await send(port, 'GET', '/health/ready')).status !== 200) {
      if (child.exitCode !== null) throw new Error(`the server exited with ${child.exitCode}`)
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
    console.log(`server ready after ${Date.now() - bootStarted} ms (${env.DATABASE_URL !== undefined ? 'Postgres' : 'embedded PGlite'}${env.REDIS_URL !== undefined ? ' + Redis' : ''})`)
    const json = { 'content-type': 'application/json', 'x-forwarded-for': '192.0.2.1' }
    const login = await send(port, 'POST', '/login', { headers: json, body: JSON.stringify(ADMIN) })
    const token = String(JSON.parse(login.body).access_token)
    const created = await send(port, 'POST', '/api/products', {
      headers: { ...json, authorization: `Bearer ${token}` },
      body: JSON.stringify({ sku: 'FLOOD-1', name: 'Flood test', price_cents: 100, stock: 10 })
    })
    const productPath = `/api/products/${String(JSON.parse(created.body).id)}`
    // Warm-up (JIT, connections), not measured.
    for (let i = 0; i < 50; i++) await send(port, 'GET', productPath, { headers: { authorization: `Bearer ${token}`, 'x-forwarded-for': measurerIp() } })

    const quiet = await measure(port, productPath, token, false)
    const flooded = await measure(port, productPath, token, true)
    const row = (name: string, p: Phase): string => {
      const f = (values: number[]): string => `${percentile(values, 50).toFixed(1)} / ${percentile(values, 99).toFixed(1)} / ${Math.max(...values).toFixed(1)}`
      return `| ${name} | ${f(p.live)} | ${f(p.product)} | ${p.statuses.filter((s) => s === 503).length} | ${JSON.stringify(count(p.statuses))} | ${JSON.stringify(count(p.flood))} |`
    }
    console.log(`\n${SECONDS} s per phase; flood: ${RATE}/s to POST /api/orders and ${RATE}/s to POST /login, 1 MiB of '[' each, one client\n`)
    console.log('| phase | /health/live p50 / p99 / max ms | product read p50 / p99 / max ms | 503s | measurer statuses | flood statuses |')
    console.log('|---|---|---|---|---|---|')
    console.log(row('quiet', quiet))
    console.log(row('flood', flooded))
  } finally {
    child.kill('SIGTERM')
    await new Promise((resolve) => { if (child.exitCode !== null) resolve(null); else child.once('exit', resolve) })
    await dropDatabase()
  }
}

await main()
