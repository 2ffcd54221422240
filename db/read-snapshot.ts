import type { Db } from './database.js'

/**
 * Yields what `read` yields from one consistent snapshot of the database: a REPEATABLE READ,
 * READ ONLY transaction on its own pool connection, held only while the caller iterates. When
 * the iteration ends, fails or is abandoned (`return()`, e.g. a client gone mid-export), the
 * inner iterator is closed first (a pg-cursor is closed) and the transaction ends, so the
 * connection is back in the pool at once. Postgres only: on PGlite (one connection for the
 * whole app) a long transaction would hold up every other request.
 */
export async function * readSnapshot<T> (db: Db, read: (snapshot: Db) => AsyncIterable<T>): AsyncGenerator<T, void, undefined> {
  const trx = await db.startTransaction().setIsolationLevel('repeatable read').setAccessMode('read only').execute()
  let committed = false
  try {
    yield * read(trx)
    await trx.commit().execute()
    committed = true
  } finally {
    if (!committed) await trx.rollback().execute()
  }
}
