import net from 'node:net'
import type { Test } from 'tap'
import { suite } from '../helpers/suite.js'
import { TEST_JWT_SECRET, buildTestApp } from '../helpers/app.js'
import { createTestDatabase, usingRealPostgres } from '../helpers/database.js'
import { connectionRefused, request, startServer, type ServerProcess } from '../helpers/server-process.js'
import { createTcpProxy } from '../helpers/tcp-proxy.js'
import { createUser } from '../helpers/users.js'
import { timed, waitFor } from '../helpers/wait.js'

const DRAIN_MS = 2500
/**
 * With the database paused, each readiness probe waits out its 1.5 s Postgres check, so the
 * drain must leave room for two probes and a liveness request on a busy machine.
 */
const PAUSED_DATABASE_DRAIN_MS = 8000

export default suite(import.meta, (t) => {
// Two server processes boot here (embedded PGlite boots slowly on a busy machine).
  t.setTimeout(240_000)
  const redisUrl = process.env.REDIS_URL ?? ''

  function baseEnv (): Record<string, string> {
    return {
      APP_ENV: 'test',
      LOG_LEVEL: 'info',
      JWT_SECRET: TEST_JWT_SECRET,
      SHUTDOWN_DRAIN_MS: String(DRAIN_MS),
      SHUTDOWN_TIMEOUT_MS: '20000',
      RATE_LIMIT_MAX: '100000',
      ...(redisUrl !== '' ? { REDIS_URL: redisUrl, REDIS_KEY_PREFIX: `goshop:test:shutdown:${process.pid}:` } : {})
    }
  }

  /**
 * After SIGTERM: readiness answers 503 (shutting_down) while draining, then new connections
 * are refused while the in-flight request is still running.
 */
  async function observeDrain (t: Test, server: ServerProcess, drainMs = DRAIN_MS): Promise<void> {
    server.child.kill('SIGTERM')
    // A 503 for another reason (the paused database of the test below) is not the drain's.
    const ready = await waitFor('readiness to answer 503 shutting_down', async () => {
      const res = await request(server.port, 'GET', '/health/ready')
      return res.status === 503 && JSON.parse(res.body).shutting_down === true ? res : undefined
    }, { timeoutMs: drainMs, intervalMs: 20 })
    t.equal(JSON.parse(ready.body).status, 'not_ready', 'readiness 503 says it is shutting down')
    t.equal((await request(server.port, 'GET', '/health/live')).status, 200, 'still serving while draining')
    await waitFor('the listener to close', async () => await connectionRefused(server.port) ? true : undefined, { timeoutMs: drainMs + 5000 })
    t.pass('new connections are refused once draining is over')
    t.equal(server.child.exitCode, null, 'the process waits for the in-flight request')
  }

  t.test('SIGTERM: readiness 503 first, the in-flight request completes, pools close, exit 0', async (t) => {
    t.test('a request still uploading its body when SIGTERM arrives', async (t) => {
      const server = await startServer(t, baseEnv())
      // A route that reads its body before deciding anything: the request is in flight until the body is in.
      const body = JSON.stringify({ email: 'nobody@example.com', password: 'not-the-password-1' })
      const socket = net.connect({ host: '127.0.0.1', port: server.port })
      await new Promise<void>((resolve) => { socket.once('connect', resolve) })
      let answer = ''
      socket.on('data', (chunk: Buffer) => { answer += chunk.toString('utf8') })
      const closed = new Promise<boolean>((resolve) => { socket.once('close', (hadError) => { resolve(hadError) }) })
      socket.on('error', () => {})
      socket.write(`POST /login HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body.slice(0, 10)}`)

      await observeDrain(t, server)

      // The client keeps the connection for its next request, as an ingress's connection pool does.
      socket.write(body.slice(10))
      t.equal(await closed, false, 'the server closed the connection after the answer, without a reset')
      t.match(answer, /^HTTP\/1\.1 401 /, 'the in-flight request got its full answer (401: no such account)')
      t.match(answer, /application\/problem\+json/)
      t.match(answer, /\r\nconnection: close\r\n/i, 'saying Connection: close, so the client does not reuse it')
      t.equal(await server.exited, 0, 'exit code 0')
      t.match(server.output(), /shutting down: readiness answers 503/)
      t.match(server.output(), /shutdown complete/)
    })

    t.test('a request waiting on Postgres when SIGTERM arrives', async (t) => {
      if (!usingRealPostgres()) {
      // Embedded PGlite runs inside the process, so no query can be held outside it (the test
      // above covers the in-flight case). Check the other signal: SIGINT (Ctrl-C), no drain.
        const server = await startServer(t, { ...baseEnv(), SHUTDOWN_DRAIN_MS: '0' })
        server.child.kill('SIGINT')
        t.equal(await server.exited, 0, 'exit code 0 after a single SIGINT')
        t.match(server.output(), /"signal":"SIGINT"/)
        t.match(server.output(), /shutdown complete/)
        return
      }
      const database = await createTestDatabase(t)
      if (database.url === null) throw new Error('expected a Postgres database')
      // An in-process app on the same database mints a token the server accepts (same secret).
      const app = await buildTestApp(t, { databaseEnv: database.env })
      const staff = await createUser(app, 'staff')
      const target = new URL(database.url)
      const proxy = await createTcpProxy({ host: target.hostname, port: Number(target.port === '' ? 5432 : target.port) })
      t.teardown(proxy.close)
      const server = await startServer(t, { ...baseEnv(), DATABASE_URL: proxy.url(database.url), SHUTDOWN_DRAIN_MS: String(PAUSED_DATABASE_DRAIN_MS) })

      proxy.pause()
      const inFlight = timed(async () => await request(server.port, 'GET', '/api/products', staff.headers))
      await waitFor('the query to reach the (paused) database', async () => proxy.heldChunks > 0 ? true : undefined)

      await observeDrain(t, server, PAUSED_DATABASE_DRAIN_MS)

      proxy.resume()
      const res = await inFlight
      t.equal(res.value.status, 200, 'the in-flight request completed normally')
      t.same(JSON.parse(res.value.body).data, [])
      t.comment(`in-flight request answered after ${res.ms} ms (held by the paused database through the drain)`)
      t.equal(await server.exited, 0, 'exit code 0: pools closed within the budget')
      t.match(server.output(), /shutdown complete/)
    })
  })
})
