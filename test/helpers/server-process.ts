import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdirSync, readdirSync, statSync } from 'node:fs'
import http from 'node:http'
import net from 'node:net'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { DEFAULT_STARTUP_TIMEOUT_MS } from '../../lib/config.js'
import { createTestDatabase, type TestContext } from './database.js'
import { freePort } from '../../scripts/free-port.js'
import { setTimeout as sleep } from 'node:timers/promises'
import { withLockDir } from './lock-dir.js'

export { freePort }

/**
 * The one harness for tests of the BUILT service as a separate process (e2e flows,
 * graceful shutdown): `npm run build` once, then `node dist/server.js` per server.
 */

export const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const SERVER_JS = join(ROOT, 'dist', 'server.js')
/** What tsconfig.build.json compiles (every root .ts file and these folders), and the configs. */
const SOURCES = [
  ...readdirSync(ROOT).filter((entry) => entry.endsWith('.ts')),
  'package.json', 'tsconfig.json', 'tsconfig.build.json', 'lib', 'plugins', 'routes', 'schemas', 'db', 'scripts'
]
const BUILD_LOCK = join(ROOT, 'dist', '.e2e-build.lock')

export const ADMIN = { email: 'e2e-admin@example.com', password: 'e2e-admin-password-0123' }
export const JWT_SECRET = 'e2e-secret-that-is-long-enough-for-hs256-0123456789'

function newestMtime (path: string): number {
  const stat = statSync(path, { throwIfNoEntry: false })
  if (stat === undefined) return 0
  if (!stat.isDirectory()) return stat.mtimeMs
  return Math.max(0, ...readdirSync(path).map((entry) => newestMtime(join(path, entry))))
}

/**
 * Builds once when dist/server.js is missing or older than any source; test files run in
 * parallel, so a lock directory serialises the build.
 */
export async function ensureBuilt (): Promise<string> {
  const stale = (): boolean => newestMtime(SERVER_JS) < Math.max(...SOURCES.map((s) => newestMtime(join(ROOT, s))))
  if (!stale()) return SERVER_JS
  mkdirSync(join(ROOT, 'dist'), { recursive: true })
  await withLockDir(BUILD_LOCK, () => {
    if (!stale()) return
    const build = spawnSync('npm', ['run', '-s', 'build'], { cwd: ROOT, encoding: 'utf8' })
    if (build.status !== 0) throw new Error(`npm run build failed:\n${build.stdout}${build.stderr}`)
  })
  return SERVER_JS
}

export interface ServerProcess {
  port: number
  /** The metrics listener's port (METRICS_PORT: a free one of its own, unless env names one). */
  metricsPort: number
  baseUrl: string
  child: ChildProcess
  /** Resolves with the exit code once the process has ended. */
  exited: Promise<number | null>
  /** Everything the process printed, for assertions and failure messages. */
  output: () => string
  /** SIGTERM and wait (SIGKILL after 15 s); resolves to the exit code (0 on a graceful shutdown). */
  stop: () => Promise<number | null>
}

/**
 * Starts `node dist/server.js` as production would (APP_ENV=production, migrations on start,
 * the bootstrap admin) on a free port and waits until /health/ready answers 200. `env` adds
 * or overrides variables. Unless env names a DATABASE_URL or PGLITE_DATA_DIR, the server gets its own test
 * database (dropped at teardown); Redis when REDIS_URL is set, under a key prefix of its own.
 * Stopped at teardown.
 */
export async function startServer (t: TestContext, env: Record<string, string> = {}): Promise<ServerProcess> {
  const entry = await ensureBuilt()
  const database = env.DATABASE_URL !== undefined || env.PGLITE_DATA_DIR !== undefined ? {} : (await createTestDatabase(t)).env
  const port = await freePort()
  // Never the default 9464: servers of parallel tests would fight over it.
  const metricsPort = env.METRICS_PORT !== undefined ? Number(env.METRICS_PORT) : await freePort()
  const redisUrl = process.env.REDIS_URL
  const child = spawn(process.execPath, [entry], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      PATH: process.env.PATH ?? '',
      APP_ENV: 'production',
      HOST: '127.0.0.1',
      PORT: String(port),
      METRICS_PORT: String(metricsPort),
      LOG_LEVEL: 'warn',
      JWT_SECRET,
      MIGRATE_ON_START: 'true',
      ADMIN_EMAIL: ADMIN.email,
      ADMIN_PASSWORD: ADMIN.password,
      RATE_LIMIT_MAX: '100000',
      RATE_LIMIT_AUTH_MAX: '100000',
      SHUTDOWN_TIMEOUT_MS: '5000',
      ...(redisUrl !== undefined && redisUrl !== '' ? { REDIS_URL: redisUrl } : {}),
      REDIS_KEY_PREFIX: `goshop:e2e:${randomBytes(6).toString('hex')}:`,
      ...database,
      ...env
    }
  })
  let printed = ''
  const keep = (chunk: Buffer): void => { printed += chunk.toString('utf8') }
  child.stdout.on('data', keep)
  child.stderr.on('data', keep)
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => { resolve(code) }))

  const stop = async (): Promise<number | null> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000)
    const code = await exited
    clearTimeout(timer)
    return code
  }
  // Registered after the database's (teardowns run in reverse), so the process is gone before the drop.
  t.teardown(stop)

  const baseUrl = `http://127.0.0.1:${port}`
  const output = (): string => printed
  // The server enforces its own startup deadline; waiting as long as it does never cuts a slow boot short.
  for (const deadline = Date.now() + Number(env.STARTUP_TIMEOUT_MS ?? DEFAULT_STARTUP_TIMEOUT_MS) + 10_000; Date.now() < deadline;) {
    // Fail at once if the process dies during boot, instead of polling until the deadline.
    if (child.exitCode !== null) throw new Error(`the server exited with ${child.exitCode} while starting:\n${output()}`)
    try {
      if ((await request(port, 'GET', '/health/ready')).status === 200) return { port, metricsPort, baseUrl, child, exited, output, stop }
    } catch {
      // not listening yet
    }
    await sleep(100)
  }
  await stop()
  throw new Error(`the server did not become ready:\n${output()}`)
}

export interface RawResponse { status: number, headers: http.IncomingHttpHeaders, body: string }

/** One request on a new connection (no keep-alive agent): a refused connection rejects. */
export async function request (port: number, method: string, path: string, headers: Record<string, string> = {}): Promise<RawResponse> {
  return await new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path, headers, agent: false }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => { body += chunk })
      res.on('end', () => { resolve({ status: res.statusCode ?? 0, headers: res.headers, body }) })
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end()
  })
}

/** True when a new TCP connection to the port is refused (the listener is closed). */
export async function connectionRefused (port: number): Promise<boolean> {
  return await new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port })
    socket.once('connect', () => { socket.destroy(); resolve(false) })
    socket.once('error', (error: NodeJS.ErrnoException) => { resolve(error.code === 'ECONNREFUSED') })
  })
}
