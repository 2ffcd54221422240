import DataLoader from 'dataloader'
import type { Db } from '../../db/database.js'
import { UUID_PATTERN } from '../../schemas/common.js'
import { findProducts, type ProductRecord } from './repository.js'

/** The most ids one statement carries; a turn with more sends several. */
const MAX_IDS_PER_STATEMENT = 100

/** Reads a catalog product by id (undefined: no such product, or archived). */
export type ProductReader = (id: string) => Promise<ProductRecord | undefined>

/**
 * Catalog reads by id, coalesced (BENCHMARKS.md, "Issue 26: coalesced reads"): the reads asked for
 * while one batch of promise jobs runs are answered by one statement, each reader getting its own
 * row. Under load that is every request of an event-loop turn, as the rate limiter's one Redis
 * reply per turn (lib/rate-limit/batched-redis-store.ts) releases them together; DataLoader's own
 * scheduling sends it in the same turn, so a lone read waits for nothing (measured against
 * setImmediate, which batched no more and cost a turn per read).
 *
 * Nothing is cached: a read's statement is sent after its request arrived, so it sees every write
 * committed before, on this replica or another (read-your-writes, fresh ETags). Only the number
 * of statements changes. A failed statement fails the reads it carried, as their own would have.
 * The statement's trace span is a child of the request that opened the batch.
 */
export function coalescedProductReader (db: Db): ProductReader {
  const loader = new DataLoader<string, ProductRecord | undefined>(async (ids) => {
    // Route schemas check ids as UUIDs; anything else must not fail the statement the others share.
    const valid = [...new Set(ids)].filter((id) => UUID_PATTERN.test(id))
    const rows = await findProducts(db, valid)
    const byId = new Map(rows.map((row) => [row.id, row]))
    return ids.map((id) => byId.get(id))
  }, { cache: false, maxBatchSize: MAX_IDS_PER_STATEMENT })
  // Postgres answers ids in lower case; a request may use upper case.
  return async (id) => await loader.load(id.toLowerCase())
}
