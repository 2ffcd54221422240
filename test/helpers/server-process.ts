import { spawn, execFile, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, rmSync } from 'node:fs'
import http from 'node:http'
import net from 'node:net'
import { fileURLToPath } from 'node:url'
import type { TestContext } from './database.js'
import { waitFor } from './wait.js'
import { DEFAULT_STARTUP_TIMEOUT_MS } from '../../plugins/config.js'
import { freePort } from '../../scripts/free-port.js'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))

/**
 * Compiles the service like `npm run build` does (tsconfig.build.json), into a private
 * directory inside the repository (so node_modules resolve), removed at teardown.
 * Type errors elsewhere do not stop tsc from emitting; a missing server.js fails the test.
 */
export async function buildServer (t: TestContext): Promise<string> {
  const outDir = `${ROOT}.tap/hardening-build-${process.pid}-${randomBytes(3).toString('hex')}`
  t.teardown(() => { rmSync(outDir, { recursive: true, force: true }) })
  const diagnostics = await new Promise<string>((resolve) => {
    execFile(process.execPath, [`${ROOT}node_modules/typescript/bin/tsc`, '-p', `${ROOT}tsconfig.build.json`, '--outDir', outDir], { cwd: ROOT },
      (_error, stdout) => { resolve(stdout) })
  })
  const entry = `${outDir}/server.js`
  if (!existsSync(entry)) throw new Error(`the build produced no server.js:\n${diagnostics}`)
  return entry
}

export { freePort }

export interface ServerProcess {
  port: number
  child: ChildProcess
  /** Resolves with the exit code once the process has ended. */
  exited: Promise<number | null>
  output: () => string
}

/** Starts `node <entry>` on a free port and waits until /health/live answers. */
export async function startServer (t: TestContext, entry: string, env: Record<string, string>): Promise<ServerProcess> {
  const port = await freePort()
  const child = spawn(process.execPath, [entry], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', PORT: String(port), ...env },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let output = ''
  child.stdout?.on('data', (chunk: Buffer) => { output += chunk.toString('utf8') })
  child.stderr?.on('data', (chunk: Buffer) => { output += chunk.toString('utf8') })
  const exited = new Promise<number | null>((resolve) => { child.once('exit', (code) => { resolve(code) }) })
  t.teardown(() => { if (child.exitCode === null) child.kill('SIGKILL') })
  // Fail at once if the process dies during boot, instead of polling until the timeout. The
  // server enforces its own startup deadline, so waiting as long as it does never cuts a slow boot short.
  const startupTimeoutMs = Number(env.STARTUP_TIMEOUT_MS ?? DEFAULT_STARTUP_TIMEOUT_MS)
  const died = exited.then((code) => { throw new Error(`the server exited with ${code} while starting:\n${output}`) })
  await Promise.race([
    died,
    waitFor('the server to listen', async () => (await request(port, 'GET', '/health/live')).status === 200 ? true : undefined,
      { timeoutMs: startupTimeoutMs + 10_000, intervalMs: 100 })
  ])
  died.catch(() => {})
  return { port, child, exited, output: () => output }
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
