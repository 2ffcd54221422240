import DataLoader from 'dataloader'
import type { Db } from '../../db/database.js'
import { UUID_PATTERN } from '../../schemas/common.js'
import { findProducts, type ProductRecord } from './repository.js'

/** The most ids one statement carries; a turn with more sends several. */
const MAX_IDS_PER_STATEMENT = 100

/** Reads a catalog product by id (undefined: no such product, or archived). */
export type ProductReader = (id: string) => Promise<ProductRecord | undefined>

/**
 * Catalog reads by id, coalesced (BENCHMARKS.md, "Performance shortcuts"): every read asked for
 * in one event-loop turn is answered by one statement sent at the end of the turn (setImmediate,
 * so the requests of every socket read in that turn are in it), each reader getting its own row.
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
    const rows = valid.length === 0 ? [] : await findProducts(db, valid)
    const byId = new Map(rows.map((row) => [row.id, row]))
    return ids.map((id) => byId.get(id))
  }, { cache: false, maxBatchSize: MAX_IDS_PER_STATEMENT, batchScheduleFn: (send) => { setImmediate(send) } })
  // Postgres answers ids in lower case; a request may use upper case.
  return async (id) => await loader.load(id.toLowerCase())
}
