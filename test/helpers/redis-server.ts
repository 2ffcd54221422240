import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { Redis } from 'ioredis'
import { freePort } from '../../scripts/free-port.js'
import type { TestContext } from './database.js'
import { waitFor } from './wait.js'

export interface PrivateRedis {
  readonly port: number
  readonly url: string
  /** CLIENT PAUSE <ms> ALL: every client, this helper's included, waits until the pause ends (or the server dies). */
  pause: (ms: number) => Promise<void>
  /** SIGKILL (a paused Redis defers SIGTERM until the pause ends): the server is gone, connections reset. */
  kill: () => Promise<void>
  /** A fresh, empty server on the same port. */
  start: () => Promise<void>
}

/**
 * A redis-server of the test's own on a free loopback port (no persistence), for tests that
 * stall, kill or restart Redis: the shared one is never touched. Killed at teardown.
 */
export async function startPrivateRedis (t: TestContext): Promise<PrivateRedis> {
  const port = await freePort()
  const url = `redis://127.0.0.1:${port}`
  let child: ChildProcess | null = null

  const start = async (): Promise<void> => {
    const proc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' })
    child = proc
    await waitFor(`redis-server on port ${port}`, async () => {
      if (proc.exitCode !== null) throw new Error(`redis-server exited with ${proc.exitCode}`)
      const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null })
      client.on('error', () => {})
      try {
        await client.connect()
        return await client.ping() === 'PONG' ? true : undefined
      } finally {
        client.disconnect()
      }
    }, { timeoutMs: 30_000 })
  }

  const kill = async (): Promise<void> => {
    const proc = child
    child = null
    if (proc === null || proc.exitCode !== null || proc.signalCode !== null) return
    const exited = once(proc, 'exit')
    proc.kill('SIGKILL')
    await exited
  }

  const pause = async (ms: number): Promise<void> => {
    const client = new Redis(url, { maxRetriesPerRequest: 0 })
    try {
      await client.call('CLIENT', 'PAUSE', String(ms), 'ALL')
    } finally {
      client.disconnect()
    }
  }

  await start()
  t.teardown(kill)
  return { port, url, pause, kill, start }
}
