import type { CompiledQuery, PostgresCursor, PostgresPool, PostgresQueryResult } from 'kysely'
import type pg from 'pg'

/**
 * Named (server-side prepared) statements for the hottest queries.
 *
 * Kysely sends every query as an unnamed statement, so Postgres parses, analyses and plans it
 * again on each call (for GET /api/products/{id} a large share of the Postgres CPU per request:
 * BENCHMARKS.md, "Performance shortcuts"). A repository that compiles a query once can register its SQL text under a name here;
 * the pool handed to Kysely then sends it as a named statement, which pg parses once per
 * connection and Postgres plans from its cache (re-planned automatically after DDL).
 *
 * Only explicit column lists belong here: a prepared `SELECT *` / `RETURNING *` fails with
 * "cached plan must not change result type" after a migration adds a column under running pods.
 */
const namesBySql = new Map<string, string>()
/** `select *`, `returning *`, `t.*` (a product like `price * quantity` is fine). */
const SELECTS_STAR = /\b(select|returning)\s+\*|\.\*|,\s*\*/i
const sqlByName = new Map<string, string>()

/** Registers a compiled query's SQL under a statement name (idempotent; one SQL text per name). */
export function nameStatement<Q extends CompiledQuery<unknown>> (name: string, query: Q): Q {
  const existing = namesBySql.get(query.sql)
  if (existing === name) return query
  if (existing !== undefined) throw new Error(`this query is already named ${existing}`)
  if (sqlByName.has(name)) throw new Error(`statement name ${name} is already used for another query`)
  if (SELECTS_STAR.test(query.sql)) throw new Error(`statement ${name} selects or returns *: name only explicit column lists`)
  namesBySql.set(query.sql, name)
  sqlByName.set(name, query.sql)
  return query
}

/**
 * Names a query built per request whose SQL takes one of a bounded set of shapes (the values
 * are all parameters; only the optional clauses vary): each new shape gets `${family}_${n}`.
 */
export function nameStatementShape<Q extends CompiledQuery<unknown>> (family: string, query: Q): Q {
  if (namesBySql.has(query.sql)) return query
  let n = 1
  while (sqlByName.has(`${family}_${n}`)) n++
  return nameStatement(`${family}_${n}`, query)
}

export function statementName (sql: string): string | undefined {
  return namesBySql.get(sql)
}

type KyselyCommand = PostgresQueryResult<unknown>['command']
const KYSELY_COMMANDS: ReadonlySet<string> = new Set<KyselyCommand>(['UPDATE', 'DELETE', 'INSERT', 'SELECT', 'MERGE', 'COMMIT', 'ROLLBACK'])
const isKyselyCommand = (command: string): command is KyselyCommand => KYSELY_COMMANDS.has(command)

/** pg types `command` as any string; Kysely only looks at the ones it names (rows affected). */
function toKyselyResult<R extends pg.QueryResultRow> ({ command, rowCount, rows }: pg.QueryResult<R>): PostgresQueryResult<R> {
  return { command: isKyselyCommand(command) ? command : 'SELECT', rowCount: rowCount ?? 0, rows }
}

const isSubmittable = <C extends object> (cursor: C): cursor is C & pg.Submittable => 'submit' in cursor && typeof cursor.submit === 'function'

/** The view of a pooled pg client that Kysely's PostgresDriver uses, naming registered statements. */
class NamingClient {
  constructor (private readonly client: pg.PoolClient) {}

  query<R extends pg.QueryResultRow> (sql: string, parameters: readonly unknown[]): Promise<PostgresQueryResult<R>>
  query<R> (cursor: PostgresCursor<R>): PostgresCursor<R>
  query<R extends pg.QueryResultRow> (sqlOrCursor: string | PostgresCursor<R>, parameters: readonly unknown[] = []): Promise<PostgresQueryResult<R>> | PostgresCursor<R> {
    if (typeof sqlOrCursor !== 'string') {
      // Kysely's .stream() (exports) builds a pg-cursor, a pg Submittable: the client runs it as is.
      if (!isSubmittable(sqlOrCursor)) throw new Error('a streaming query needs a pg-cursor (PostgresDialect cursor option)')
      return this.client.query(sqlOrCursor)
    }
    const name = namesBySql.get(sqlOrCursor)
    const values = [...parameters]
    const result = name === undefined
      ? this.client.query<R>(sqlOrCursor, values)
      : this.client.query<R>({ name, text: sqlOrCursor, values })
    return result.then(toKyselyResult)
  }

  release (destroy?: boolean): void {
    this.client.release(destroy)
  }
}

/** The pg pool as Kysely sees it, with the registered statements sent as named statements. */
export function namingPool (pool: pg.Pool): PostgresPool {
  // One wrapper per pooled client, so Kysely's per-client connection cache keeps working.
  const wrappers = new WeakMap<pg.PoolClient, NamingClient>()
  return {
    async connect () {
      const client = await pool.connect()
      let wrapper = wrappers.get(client)
      if (wrapper === undefined) {
        wrapper = new NamingClient(client)
        wrappers.set(client, wrapper)
      }
      return wrapper
    },
    async end () {
      await pool.end()
    }
  }
}
