import http from 'node:http'
import type { FastifyInstance } from 'fastify'
import { sql } from 'kysely'
import { waitFor } from './wait.js'

/** The lines of an NDJSON body; every line must end with a newline (a truncated body fails). */
export function ndjsonLines (body: string): string[] {
  if (body === '') return []
  if (!body.endsWith('\n')) throw new Error('NDJSON body does not end with a newline')
  return body.slice(0, -1).split('\n')
}

/**
 * Starts `url` on a listening app over real HTTP, reads the first bytes of the body and then
 * drops the connection, as a client that gives up mid-export.
 */
export async function abandonExport (app: FastifyInstance, url: string, headers: Record<string, string>): Promise<{ status: number, received: number }> {
  if (!app.server.listening) await app.listen({ host: '127.0.0.1', port: 0 })
  const address = app.server.address()
  if (address === null || typeof address === 'string') throw new Error('not listening on TCP')
  return await new Promise((resolve, reject) => {
    const request = http.get({ host: '127.0.0.1', port: address.port, path: url, headers }, (response) => {
      response.once('data', (chunk: Buffer) => {
        request.destroy()
        resolve({ status: response.statusCode ?? 0, received: chunk.length })
      })
      response.once('error', () => {})
    })
    request.once('error', (error) => { if (!request.destroyed) reject(error) })
  })
}

/**
 * Waits until the app's pool has every client back and no session of this database is left
 * in a transaction or running a query (Postgres only): what a released export looks like.
 */
export async function waitForReleasedConnections (app: FastifyInstance): Promise<void> {
  const pool = app.dbHandle.pool
  if (pool === null) throw new Error('needs real Postgres')
  await waitFor('the export\'s connection back in the pool', async () => (pool.totalCount === pool.idleCount && pool.waitingCount === 0 ? true : undefined))
  await waitFor('no session of this database in a transaction', async () => {
    const { rows } = await sql<{ busy: number }>`
      select count(*)::int as busy from pg_stat_activity
      where datname = current_database() and pid <> pg_backend_pid() and state <> 'idle'`.execute(app.db)
    return rows[0]?.busy === 0 ? true : undefined
  })
}
