/**
 * The BUILT server on a throwaway database of DATABASE_URL's server (default
 * postgres://postgres@127.0.0.1:5432/postgres), migrated on start, with an admin logged in:
 * what the HTTP benchmarks (bench-batch, bench-export, bench-webhooks) run against. `stop()` ends the server and
 * drops the database.
 */
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import pg from 'pg'
import { freePort } from './free-port.js'

export interface BenchServer {
  base: string
  /** The server process, e.g. to read its RSS from /proc. */
  pid: number
  /** Connected to the bench database (seed it here). */
  sql: pg.Client
  headers: Record<string, string>
  stop: () => Promise<void>
}

/** `env` adds to (or overrides) the server's environment, e.g. WEBHOOK_ALLOW_PRIVATE_TARGETS for a local receiver. */
export async function startBenchServer (prefix: string, env: Record<string, string> = {}): Promise<BenchServer> {
  const adminUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'
  const admin = { email: 'bench-admin@example.com', password: randomBytes(18).toString('base64url') }
  const name = `${prefix}_${randomBytes(4).toString('hex')}`
  const root = new pg.Client({ connectionString: adminUrl })
  await root.connect()
  await root.query(`CREATE DATABASE ${name}`)
  const url = new URL(adminUrl)
  url.pathname = `/${name}`
  const port = await freePort()
  const server = spawn(process.execPath, [fileURLToPath(new URL('../server.js', import.meta.url))], {
    env: {
      PATH: process.env.PATH ?? '',
      APP_ENV: 'production',
      HOST: '127.0.0.1',
      PORT: String(port),
      METRICS_PORT: String(await freePort()),
      LOG_LEVEL: 'warn',
      DATABASE_URL: url.toString(),
      MIGRATE_ON_START: 'true',
      JWT_SECRET: randomBytes(32).toString('hex'),
      ADMIN_EMAIL: admin.email,
      ADMIN_PASSWORD: admin.password,
      RATE_LIMIT_MAX: '100000000',
      RATE_LIMIT_AUTH_MAX: '100000',
      ...env
    },
    stdio: ['ignore', 'inherit', 'inherit']
  })
  const client = new pg.Client({ connectionString: url.toString() })
  const stop = async (): Promise<void> => {
    server.kill('SIGTERM')
    if (server.exitCode === null) await new Promise((resolve) => server.once('exit', resolve))
    await client.end().catch(() => {})
    await root.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
    await root.end()
  }
  try {
    const base = `http://127.0.0.1:${port}`
    for (let i = 0; ; i++) {
      try { if ((await fetch(`${base}/health/ready`)).ok) break } catch {}
      if (i > 600) throw new Error('the server did not start')
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
    const login = await fetch(`${base}/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(admin) })
    const token = String((await login.json() as { access_token: string }).access_token)
    await client.connect()
    if (server.pid === undefined) throw new Error('the server has no pid')
    return { base, pid: server.pid, sql: client, headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, stop }
  } catch (error) {
    await stop()
    throw error
  }
}
