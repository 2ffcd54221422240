/**
 * `npm run bench:hostile`: does one hostile client hurt the others? Starts the BUILT server in
 * production mode (default rate limits, TRUST_PROXY=1 so clients are told apart by
 * X-Forwarded-For), then measures another client's latency on GET /health/live and on a product
 * read (GET /api/products/{id}), first quiet, then during each attack of issues 16 and 21, one
 * phase each:
 *
 * - nested: 1 MiB of `[[[[...` to POST /api/orders (no token) and POST /login, FLOOD_RATE/s each;
 * - slow bodies: SLOW_CONNECTIONS connections send their headers and 10 bytes of a 1000-byte
 *   body, then stall (the server gets REQUEST_TIMEOUT_MS=SLOW_TIMEOUT_MS; older builds ignore it);
 * - unknown route over the limit: a client that spent its budget sends 1 MB of JSON to
 *   POST /nope, FLOOD_RATE/s;
 * - /metrics flood: GET /metrics on the API port, METRICS_RATE/s from one client;
 * - big arrays: a customer's POST /api/orders {"items":[0,0,... 500,000 zeros]}, 4/s;
 * - webhook events: a customer's POST /api/webhooks whose events array holds 24,000 items,
 *   WEBHOOK_RATE/s (last: on old builds each one blocks the event loop for seconds).
 *
 * Prints p50/p99/max per phase for the measurer, the hostile requests' statuses and p50/max
 * answer times, and for slow bodies how many were answered 408 and closed by the phase's end.
 * Never asserts: the figures go to BENCHMARKS.md.
 *
 * Env: DATABASE_URL (a throwaway database is created on that server and dropped; default:
 * embedded PGlite in memory), REDIS_URL (optional), FLOOD_SECONDS per phase (10), FLOOD_RATE (5),
 * METRICS_RATE (60), WEBHOOK_RATE (0.5), SLOW_CONNECTIONS (200), SLOW_TIMEOUT_MS (5000),
 * ONLY (comma list of phase names), ANSWER_TIMEOUT_MS (60000: later answers count as status 0), SERVER_ENTRY (default dist/server.js, e.g. an older build).
 */
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import http from 'node:http'
import net from 'node:net'
import { fileURLToPath } from 'node:url'
import pg from 'pg'
import { freePort } from './free-port.js'

const DIST = fileURLToPath(new URL('../', import.meta.url))
const SECONDS = Number(process.env.FLOOD_SECONDS ?? 10)
const RATE = Number(process.env.FLOOD_RATE ?? 5)
const METRICS_RATE = Number(process.env.METRICS_RATE ?? 60)
const WEBHOOK_RATE = Number(process.env.WEBHOOK_RATE ?? 0.5)
const SLOW_CONNECTIONS = Number(process.env.SLOW_CONNECTIONS ?? 200)
const SLOW_TIMEOUT_MS = Number(process.env.SLOW_TIMEOUT_MS ?? 5000)
const ONLY = process.env.ONLY?.split(',') ?? null
/** A request unanswered this long counts as status 0 (a frozen server must not stall the bench forever). */
const ANSWER_TIMEOUT_MS = Number(process.env.ANSWER_TIMEOUT_MS ?? 60_000)
const ENTRY = process.env.SERVER_ENTRY ?? `${DIST}server.js`
const ADMIN = { email: 'flood-admin@example.com', password: randomBytes(18).toString('base64url') }
const NESTED = Buffer.from('['.repeat(1024 * 1024))
const UNKNOWN_ROUTE_BODY = Buffer.from(JSON.stringify({ items: Array.from({ length: 200_000 }, () => 'abc') }))
const BIG_ARRAY = Buffer.from(JSON.stringify({ items: new Array(500_000).fill(0) }))
const WEBHOOK_EVENTS = Buffer.from(JSON.stringify({ url: 'https://hooks.example.com/goshop', events: new Array(24_000).fill('order.created') }))
const FLOODER_IP = '198.51.100.7'

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
    req.setTimeout(ANSWER_TIMEOUT_MS, () => { req.destroy() })
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

interface Phase { live: number[], product: number[], statuses: number[], flood: number[], floodMs: number[], note: string }

interface Tokens { admin: string, customer: string }

/** One hostile client: started at the phase's beginning, stopped at its end. */
interface Attack {
  name: string
  what: string
  start: (port: number, tokens: Tokens, phase: Phase) => () => Promise<void>
}

/** Sends one request every 1000/rate ms until stopped; the answers go into the phase. */
function flood (rate: number, request: (port: number, tokens: Tokens) => Promise<Answer>): Attack['start'] {
  return (port, tokens, phase) => {
    const inFlight: Array<Promise<void>> = []
    const timer = setInterval(() => {
      inFlight.push(request(port, tokens).then((answer) => { phase.flood.push(answer.status); phase.floodMs.push(answer.ms) }))
    }, 1000 / rate)
    return async () => { clearInterval(timer); await Promise.all(inFlight) }
  }
}

const json = (extra: Record<string, string> = {}): Record<string, string> => ({ 'content-type': 'application/json', 'x-forwarded-for': FLOODER_IP, ...extra })

/** Connections that send headers and 10 bytes of a 1000-byte body, then nothing. */
function slowBodies (port: number, tokens: Tokens, phase: Phase): () => Promise<void> {
  const sockets: net.Socket[] = []
  const outcome = { timedOut: 0, closed: 0, closeMs: [] as number[] }
  for (let i = 0; i < SLOW_CONNECTIONS; i++) {
    const started = performance.now()
    const socket = net.connect({ host: '127.0.0.1', port }, () => {
      socket.write(`POST /api/orders HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${tokens.customer}\r\nContent-Type: application/json\r\n` +
        `X-Forwarded-For: 10.9.${Math.floor(i / 250)}.${(i % 250) + 1}\r\nContent-Length: 1000\r\n\r\n{"items":[`)
    })
    let head = ''
    socket.setEncoding('utf8')
    socket.on('data', (chunk: string) => { head += chunk })
    socket.on('error', () => {})
    socket.on('close', () => {
      outcome.closed++
      outcome.closeMs.push(performance.now() - started)
      if (head.startsWith('HTTP/1.1 408')) outcome.timedOut++
    })
    sockets.push(socket)
  }
  return async () => {
    phase.note = `slow bodies: ${outcome.timedOut}/${SLOW_CONNECTIONS} answered 408, ${outcome.closed}/${SLOW_CONNECTIONS} closed by the server within the phase` +
      (outcome.closeMs.length > 0 ? ` (median after ${percentile(outcome.closeMs, 50).toFixed(0)} ms)` : '')
    for (const socket of sockets) socket.destroy()
  }
}

const ATTACKS: Attack[] = [
  {
    name: 'nested',
    what: `1 MiB of '[' to POST /api/orders (no token) and POST /login, ${RATE}/s each`,
    start: (port, tokens, phase) => {
      const stops = ['/api/orders', '/login'].map((path) => flood(RATE, (p) => send(p, 'POST', path, { headers: json(), body: NESTED }))(port, tokens, phase))
      return async () => { await Promise.all(stops.map(async (stop) => { await stop() })) }
    }
  },
  {
    name: 'slow-bodies',
    what: `${SLOW_CONNECTIONS} connections stall mid-body (POST /api/orders, customer token; REQUEST_TIMEOUT_MS=${SLOW_TIMEOUT_MS})`,
    start: slowBodies
  },
  {
    name: 'unknown-route',
    what: `a client over its budget POSTs 1 MB of JSON to /nope, ${RATE}/s`,
    start: flood(RATE, (port) => send(port, 'POST', '/nope', { headers: json(), body: UNKNOWN_ROUTE_BODY }))
  },
  {
    name: 'metrics',
    what: `GET /metrics on the API port, ${METRICS_RATE}/s from one client`,
    start: flood(METRICS_RATE, (port) => send(port, 'GET', '/metrics', { headers: { 'x-forwarded-for': '198.51.100.8' } }))
  },
  {
    name: 'big-arrays',
    what: 'a customer POSTs {"items":[0,0,... 500,000 zeros]} to /api/orders, 4/s',
    start: flood(4, (port, tokens) => send(port, 'POST', '/api/orders', { headers: json({ authorization: `Bearer ${tokens.customer}`, 'x-forwarded-for': '198.51.100.9' }), body: BIG_ARRAY }))
  },
  {
    name: 'webhook-events',
    what: `a customer POSTs a webhook whose events array holds 24,000 items, ${WEBHOOK_RATE}/s`,
    start: flood(WEBHOOK_RATE, (port, tokens) => send(port, 'POST', '/api/webhooks', { headers: json({ authorization: `Bearer ${tokens.customer}`, 'x-forwarded-for': '198.51.100.10' }), body: WEBHOOK_EVENTS }))
  }
]

async function measure (port: number, productPath: string, tokens: Tokens, attack: Attack | null): Promise<Phase> {
  const phase: Phase = { live: [], product: [], statuses: [], flood: [], floodMs: [], note: '' }
  if (attack?.name === 'unknown-route') {
    // Spend the flooder's whole budget first: the attack is what an over-limit client costs.
    for (let i = 0; i < 300; i++) await send(port, 'GET', '/nope', { headers: { 'x-forwarded-for': FLOODER_IP } })
  }
  const until = Date.now() + SECONDS * 1000
  const stop = attack?.start(port, tokens, phase)
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 })
  while (Date.now() < until) {
    const live = await send(port, 'GET', '/health/live', { agent, headers: { 'x-forwarded-for': measurerIp() } })
    phase.live.push(live.ms)
    phase.statuses.push(live.status)
    const product = await send(port, 'GET', productPath, { agent, headers: { authorization: `Bearer ${tokens.admin}`, 'x-forwarded-for': measurerIp() } })
    phase.product.push(product.ms)
    phase.statuses.push(product.status)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  await stop?.()
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
    HOST: '127.0.0.1',
    REQUEST_TIMEOUT_MS: String(SLOW_TIMEOUT_MS),
    HEADERS_TIMEOUT_MS: String(Math.min(SLOW_TIMEOUT_MS, 10_000))
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
    const setup = (ip: string, extra: Record<string, string> = {}): Record<string, string> => ({ 'content-type': 'application/json', 'x-forwarded-for': ip, ...extra })
    const loginAs = async (credentials: { email: string, password: string }, ip: string): Promise<string> =>
      String(JSON.parse((await send(port, 'POST', '/login', { headers: setup(ip), body: JSON.stringify(credentials) })).body).access_token)
    const admin = await loginAs(ADMIN, '192.0.2.1')
    const customerCredentials = { email: 'flood-customer@example.com', password: randomBytes(18).toString('base64url') }
    await send(port, 'POST', '/register', { headers: setup('192.0.2.2'), body: JSON.stringify(customerCredentials) })
    const tokens: Tokens = { admin, customer: await loginAs(customerCredentials, '192.0.2.3') }
    const created = await send(port, 'POST', '/api/products', {
      headers: setup('192.0.2.1', { authorization: `Bearer ${admin}` }),
      body: JSON.stringify({ sku: 'FLOOD-1', name: 'Flood test', price_cents: 100, stock: 10 })
    })
    const productPath = `/api/products/${String(JSON.parse(created.body).id)}`
    // Warm-up (JIT, connections), not measured.
    for (let i = 0; i < 50; i++) await send(port, 'GET', productPath, { headers: { authorization: `Bearer ${admin}`, 'x-forwarded-for': measurerIp() } })

    const f = (values: number[]): string => values.length === 0
      ? '-'
      : `${percentile(values, 50).toFixed(1)} / ${percentile(values, 99).toFixed(1)} / ${Math.max(...values).toFixed(1)}`
    const row = (name: string, p: Phase): string =>
      `| ${name} | ${f(p.live)} | ${f(p.product)} | ${p.statuses.filter((s) => s === 503).length} | ${JSON.stringify(count(p.statuses))} | ` +
      `${p.note !== '' ? p.note : JSON.stringify(count(p.flood))} | ${p.floodMs.length === 0 ? '-' : `${percentile(p.floodMs, 50).toFixed(0)} / ${Math.max(...p.floodMs).toFixed(0)}`} |`
    const rows = [row('quiet', await measure(port, productPath, tokens, null))]
    for (const attack of ATTACKS.filter((a) => ONLY === null || ONLY.includes(a.name))) {
      console.log(`phase ${attack.name}: ${attack.what}`)
      rows.push(row(attack.name, await measure(port, productPath, tokens, attack)))
      console.log(rows.at(-1))
    }
    console.log(`\n${SECONDS} s per phase; ${ENTRY}\n`)
    console.log('| phase | /health/live p50 / p99 / max ms | product read p50 / p99 / max ms | 503s | measurer statuses | hostile answers | hostile answer p50 / max ms |')
    console.log('|---|---|---|---|---|---|---|')
    for (const line of rows) console.log(line)
  } finally {
    child.kill('SIGTERM')
    // An old build busy with a quadratic body ignores SIGTERM for minutes.
    const kill = setTimeout(() => child.kill('SIGKILL'), 15_000)
    await new Promise((resolve) => { if (child.exitCode !== null) resolve(null); else child.once('exit', resolve) })
    clearTimeout(kill)
    await dropDatabase()
  }
}

await main()
