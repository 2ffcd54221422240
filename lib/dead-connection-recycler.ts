import type { Redis } from 'ioredis'
import { withDeadline } from './deadline.js'

export interface DeadConnectionRecyclerOptions {
  /** Opens a new, separate connection to the same Redis (closed again after one PING). */
  open: () => Redis
  /** How long each connection has to answer its PING. */
  windowMs: number
  /** Told of each check's outcome: which connections answered, and whether the client's was replaced. */
  onChecked: (outcome: ConnectionCheck) => void
}

export interface ConnectionCheck {
  clientAnswered: boolean
  newConnectionAnswered: boolean
  replaced: boolean
}

async function answers (redis: Redis, windowMs: number): Promise<boolean> {
  try {
    await withDeadline(redis.ping(), windowMs)
    return true
  } catch {
    return false
  }
}

/**
 * Finds a connection that is dead while Redis is not, and replaces it. A connection whose peer
 * vanished without a reset (a node lost, a partition, a NAT entry dropped) stays `ready` for
 * ioredis until TCP gives up, which takes many minutes; the breaker's probes go down that same
 * connection and fail, so limits would stay per replica all that time. ioredis's `socketTimeout`
 * cannot tell that from a stalled server (CLIENT PAUSE, a long script), where reconnecting makes
 * the client not ready and so takes every replica out of service (SPEC §4 wants them degraded).
 * So the check compares: the client's connection and a new one each get one PING; only when the
 * new one answers and the old one does not is the old socket destroyed (ioredis reconnects).
 * Returns the trigger; a check already under way makes it a no-op.
 */
export function deadConnectionRecycler (client: Redis, options: DeadConnectionRecyclerOptions): () => void {
  let checking = false

  const check = async (): Promise<void> => {
    const fresh = options.open()
    fresh.on('error', () => {}) // its failure is the answer, not news
    try {
      const [clientAnswered, newConnectionAnswered] = await Promise.all([
        answers(client, options.windowMs),
        withDeadline(fresh.connect(), options.windowMs).then(async () => await answers(fresh, options.windowMs), () => false)
      ])
      const replaced = !clientAnswered && newConnectionAnswered && client.status === 'ready'
      // destroy, not disconnect(): ending politely would wait for the vanished peer's half of the close.
      if (replaced) client.stream.destroy()
      options.onChecked({ clientAnswered, newConnectionAnswered, replaced })
    } finally {
      fresh.disconnect()
    }
  }

  return () => {
    if (checking || client.status !== 'ready') return
    checking = true
    check().catch(() => {}).finally(() => { checking = false })
  }
}
