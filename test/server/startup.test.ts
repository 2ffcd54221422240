import { spawn } from 'node:child_process'
import net from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import type { Test } from 'tap'
import { suite } from '../helpers/suite.js'
import { buildApp } from '../../app.js'
import { DEFAULT_STARTUP_TIMEOUT_MS } from '../../lib/config.js'
import { pluginName } from '../../lib/plugin-name.js'
import { startupDeadline } from '../../lib/startup-deadline.js'
import dbPlugin from '../../plugins/external/db.js'
import { TEST_JWT_SECRET, buildTestApp, testAppOptions } from '../helpers/app.js'
import { createTestDatabase, usingRealPostgres } from '../helpers/database.js'
import { ensureBuilt, freePort, request } from '../helpers/server-process.js'
import { waitFor } from '../helpers/wait.js'
import { createTcpProxy } from '../helpers/tcp-proxy.js'

export default suite(import.meta, (t) => {
// One compiled server process boots (and is made to hang) here.
  t.setTimeout(240_000)

  t.test('the deadline names the step still running when it passes', async (t) => {
    let expired: { step: string, timeoutMs: number } | undefined
    const deadline = startupDeadline(1000, (step, timeoutMs) => { expired = { step, timeoutMs } })
    deadline.step('config')
    deadline.step('db')
    t.equal(deadline.current, 'db')
    await sleep(1300)
    t.same(expired, { step: 'db', timeoutMs: 1000 })
  })

  t.test('a boot finished in time cancels the deadline', async (t) => {
    let expired = false
    const deadline = startupDeadline(1000, () => { expired = true })
    deadline.step('listen')
    deadline.done()
    await sleep(1300)
    t.equal(expired, false)
  })

  t.test('plugins are named as fastify-plugin declares them', async (t) => {
    t.equal(pluginName(dbPlugin), 'db')
    t.equal(pluginName(async function healthRoutes () {}), 'healthRoutes')
    t.equal(pluginName(undefined), 'plugin')
  })

  t.test('default config: no 10 s per-plugin limit, every boot step is reported', async (t) => {
    const steps: string[] = []
    const options = await testAppOptions(t)
    t.equal(options.config.startupTimeoutMs, DEFAULT_STARTUP_TIMEOUT_MS)
    const app = await buildApp({ ...options, onStep: (step) => { steps.push(step) } })
    t.teardown(async () => { await app.close() })
    await app.ready()
    t.equal(app.initialConfig.pluginTimeout, DEFAULT_STARTUP_TIMEOUT_MS, 'per-plugin timeout is the whole boot deadline')
    t.ok(DEFAULT_STARTUP_TIMEOUT_MS >= 60_000, 'the default is generous')
    for (const step of ['config', 'db', 'redis', 'rate-limit', 'auth']) t.ok(steps.includes(step), `step ${step} reported`)
    t.ok(steps.indexOf('db') < steps.indexOf('redis'), 'in boot order')
  })

  t.test('STARTUP_TIMEOUT_MS sets the per-plugin timeout', async (t) => {
    const app = await buildTestApp(t, { env: { STARTUP_TIMEOUT_MS: '90000' } })
    t.equal(app.initialConfig.pluginTimeout, 90_000)
  })

  /** A "Postgres" that accepts connections and never says a word. */
  async function silentServer (t: Test): Promise<number> {
    const sockets = new Set<net.Socket>()
    const server = net.createServer((socket) => {
      sockets.add(socket)
      socket.on('error', () => {})
      socket.on('close', () => { sockets.delete(socket) })
    })
    await new Promise<void>((resolve) => { server.listen(0, '127.0.0.1', resolve) })
    t.teardown(async () => {
      for (const socket of sockets) socket.destroy()
      await new Promise<void>((resolve) => { server.close(() => { resolve() }) })
    })
    const address = server.address()
    if (address === null || typeof address !== 'object') throw new Error('no address')
    return address.port
  }

  interface Booting { port: number, output: () => string, exited: Promise<number | null> }

  /** The built server started with this environment (test mode, a free port). */
  async function spawnServer (t: Test, env: Record<string, string>): Promise<Booting> {
    const entry = await ensureBuilt()
    const port = await freePort()
    const child = spawn(process.execPath, [entry], {
      env: { PATH: process.env.PATH ?? '', APP_ENV: 'test', HOST: '127.0.0.1', PORT: String(port), JWT_SECRET: TEST_JWT_SECRET, ...env },
      stdio: ['ignore', 'pipe', 'pipe']
    })
    t.teardown(() => { if (child.exitCode === null) child.kill('SIGKILL') })
    let output = ''
    child.stdout.on('data', (chunk: Buffer) => { output += chunk.toString('utf8') })
    child.stderr.on('data', (chunk: Buffer) => { output += chunk.toString('utf8') })
    const exited = new Promise<number | null>((resolve) => { child.once('exit', resolve) })
    return { port, output: () => output, exited }
  }

  /** The built server with this environment: its exit code and everything it printed. */
  async function bootServer (t: Test, env: Record<string, string>): Promise<{ code: number | null, output: string }> {
    const server = await spawnServer(t, env)
    const code = await server.exited
    return { code, output: server.output() }
  }

  t.test('a step that hangs: past STARTUP_TIMEOUT_MS the process exits 1 naming the step', async (t) => {
    const pgPort = await silentServer(t)
    const { code, output } = await bootServer(t, {
      // Shorter than the Postgres connect timeout (2 s): the database step is still waiting.
      STARTUP_TIMEOUT_MS: '1000',
      DATABASE_URL: `postgres://postgres@127.0.0.1:${pgPort}/goshop`
    })
    t.equal(code, 1, output)
    t.match(output, /still in step 'db' when the startup deadline passed \(STARTUP_TIMEOUT_MS=1000\)/)
    t.match(JSON.parse(output.trim().split('\n').at(-1) ?? '{}'), { level: 60, step: 'db' }, 'a pino JSON line naming the step')
  })

  /**
   * A "Postgres" that answers each connection (the n-th: `codeFor(n)`) with one FATAL error and
   * hangs up, as a server still starting (57P03) or refusing a password (28P01) does.
   */
  async function failingPostgres (t: Test, codeFor: (connection: number) => string): Promise<{ port: number, connections: () => number }> {
    let connections = 0
    const field = (type: string, value: string): Buffer => Buffer.concat([Buffer.from(type), Buffer.from(value), Buffer.from([0])])
    const server = net.createServer((socket) => {
      const code = codeFor(++connections)
      socket.on('error', () => {})
      socket.once('data', () => {
        const fields = Buffer.concat([field('S', 'FATAL'), field('V', 'FATAL'), field('C', code), field('M', `refused (${code})`), Buffer.from([0])])
        const length = Buffer.alloc(4)
        length.writeInt32BE(fields.length + 4)
        socket.end(Buffer.concat([Buffer.from('E'), length, fields]))
      })
    })
    await new Promise<void>((resolve) => { server.listen(0, '127.0.0.1', resolve) })
    t.teardown(async () => { await new Promise<void>((resolve) => { server.close(() => { resolve() }) }) })
    const address = server.address()
    if (address === null || typeof address !== 'object') throw new Error('no address')
    return { port: address.port, connections: () => connections }
  }

  const lastLine = (output: string): unknown => JSON.parse(output.trim().split('\n').at(-1) ?? '{}')

  t.test('Postgres refusing connections is waited for, until the boot\'s deadline', async (t) => {
    const { code, output } = await bootServer(t, { LOG_LEVEL: 'warn', STARTUP_TIMEOUT_MS: '4000', DATABASE_URL: `postgres://postgres@127.0.0.1:${await freePort()}/goshop` })
    t.equal(code, 1, output)
    t.match(output, /waiting for Postgres to answer/, 'a warning says what it waits for')
    t.match(output, /ECONNREFUSED/)
    t.match(lastLine(output), { level: 60, step: 'db', msg: /still in step 'db' when the startup deadline passed \(STARTUP_TIMEOUT_MS=4000\)/ })
  })

  t.test('an answer waiting cannot change (a wrong password): exit 1 at once, one JSON line naming the step and the error', async (t) => {
    const postgres = await failingPostgres(t, () => '28P01')
    const { code, output } = await bootServer(t, { DATABASE_URL: `postgres://postgres@127.0.0.1:${postgres.port}/goshop` })
    t.equal(code, 1, output)
    const lines = output.trim().split('\n')
    t.equal(lines.length, 1, 'one line, not a bare stack trace (and no waiting)')
    t.match(JSON.parse(lines[0] ?? '{}'), { level: 60, step: 'db', msg: /^could not start: step 'db' failed$/, err: { code: '28P01' } })
    t.equal(postgres.connections(), 1, 'asked once')
  })

  t.test('"the database system is starting up" is waited for: the boot goes on once Postgres answers', async (t) => {
    // Three connections answered "starting up", then a lasting refusal ends the boot: it waited through the first three.
    const postgres = await failingPostgres(t, (n) => n <= 3 ? '57P03' : '28P01')
    const { code, output } = await bootServer(t, { LOG_LEVEL: 'warn', DATABASE_URL: `postgres://postgres@127.0.0.1:${postgres.port}/goshop` })
    t.equal(code, 1, output)
    t.equal(postgres.connections(), 4, 'three waits, then the answer that ends it')
    t.match(output, /waiting for Postgres to answer/)
    t.match(lastLine(output), { level: 60, step: 'db', err: { code: '28P01' } })
    if (!usingRealPostgres()) return
    // With a real Postgres behind a port that refuses at first: the boot completes once it is up.
    const database = await createTestDatabase(t)
    if (database.url === null) throw new Error('expected a Postgres database')
    const target = new URL(database.url)
    const proxy = await createTcpProxy({ host: target.hostname, port: Number(target.port === '' ? 5432 : target.port) })
    t.teardown(proxy.close)
    await proxy.stop()
    const server = await spawnServer(t, { LOG_LEVEL: 'warn', DATABASE_URL: proxy.url(database.url), MIGRATE_ON_START: 'true' })
    await waitFor('the server to wait for Postgres', async () => /waiting for Postgres to answer/.test(server.output()) ? true : undefined)
    await proxy.start()
    await waitFor('the server to be ready', async () => (await request(server.port, 'GET', '/health/ready').catch(() => undefined))?.status === 200 ? true : undefined)
    t.pass('ready once Postgres answered')
  })
})
