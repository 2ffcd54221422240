import { spawn, spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdirSync, readdirSync, rmdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { freePort } from '../../scripts/free-port.js'
import { createTestDatabase, type TestContext } from '../helpers/database.js'
import { recordExchanges } from './header-audit.js'

export const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const SERVER_JS = join(ROOT, 'dist', 'server.js')
const SOURCES = ['app.ts', 'server.ts', 'package.json', 'tsconfig.json', 'tsconfig.build.json', 'plugins', 'routes', 'schemas', 'db']
const BUILD_LOCK = join(ROOT, 'dist', '.e2e-build.lock')

export const ADMIN = { email: 'e2e-admin@example.com', password: 'e2e-admin-password-0123' }
export const JWT_SECRET = 'e2e-secret-that-is-long-enough-for-hs256-0123456789'

function newestMtime (path: string): number {
  const stat = statSync(path, { throwIfNoEntry: false })
  if (stat === undefined) return 0
  if (!stat.isDirectory()) return stat.mtimeMs
  return Math.max(0, ...readdirSync(path).map((entry) => newestMtime(join(path, entry))))
}

const sleep = async (ms: number): Promise<void> => { await new Promise((resolve) => setTimeout(resolve, ms)) }

/**
 * The suite tests the BUILT service. Builds once when dist/server.js is missing or older
 * than any source; test files run in parallel, so a lock directory serialises the build.
 */
export async function ensureBuilt (): Promise<void> {
  const stale = (): boolean => newestMtime(SERVER_JS) < Math.max(...SOURCES.map((s) => newestMtime(join(ROOT, s))))
  if (!stale()) return
  mkdirSync(join(ROOT, 'dist'), { recursive: true })
  for (let waited = 0; ; waited += 250) {
    try {
      mkdirSync(BUILD_LOCK)
      break
    } catch {
      if (waited > 180_000) throw new Error(`build lock ${BUILD_LOCK} held for 3 minutes; remove it if no build runs`)
      await sleep(250)
    }
  }
  try {
    if (!stale()) return
    const build = spawnSync('npm', ['run', '-s', 'build'], { cwd: ROOT, encoding: 'utf8' })
    if (build.status !== 0) throw new Error(`npm run build failed:\n${build.stdout}${build.stderr}`)
  } finally {
    rmdirSync(BUILD_LOCK)
  }
}

export interface RunningServer {
  baseUrl: string
  /** The last lines the process printed, for failure messages. */
  output: () => string
  /** SIGTERM and wait; resolves to the exit code (0 on a graceful shutdown). */
  stop: () => Promise<number | null>
}

/**
 * Starts `node dist/server.js` as production would (APP_ENV=production, migrations on start,
 * the bootstrap admin) on a free port: its own database on the real Postgres when
 * DATABASE_URL is set (dropped at teardown), else in-memory PGlite; Redis when REDIS_URL is
 * set, under a key prefix of its own. Stopped at teardown.
 */
export async function startServer (t: TestContext, env: Record<string, string> = {}): Promise<RunningServer> {
  recordExchanges()
  await ensureBuilt()
  const database = await createTestDatabase(t)
  const port = await freePort()
  const redisUrl = process.env.REDIS_URL
  const child = spawn(process.execPath, [SERVER_JS], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      PATH: process.env.PATH ?? '',
      APP_ENV: 'production',
      HOST: '127.0.0.1',
      PORT: String(port),
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
      ...database.env,
      ...env
    }
  })
  const lines: string[] = []
  const keep = (chunk: Buffer): void => {
    lines.push(...chunk.toString().split('\n').filter((line) => line !== ''))
    lines.splice(0, Math.max(0, lines.length - 50))
  }
  child.stdout.on('data', keep)
  child.stderr.on('data', keep)
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))

  const stop = async (): Promise<number | null> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000)
    const code = await exited
    clearTimeout(timer)
    return code
  }
  // Registered before the database's drop (teardowns run in reverse), so the process is gone first.
  t.teardown(stop)

  const baseUrl = `http://127.0.0.1:${port}`
  const output = (): string => lines.join('\n')
  for (const deadline = Date.now() + 60_000; Date.now() < deadline;) {
    if (child.exitCode !== null) break
    try {
      if ((await fetch(`${baseUrl}/health/ready`)).status === 200) return { baseUrl, output, stop }
    } catch {
      // not listening yet
    }
    await sleep(100)
  }
  await stop()
  throw new Error(`the server did not become ready:\n${output()}`)
}
