import { sql, type RawBuilder } from 'kysely'

/**
 * A JSON object built by Postgres with exactly the members of `Body` (the API type of a
 * schema): a missing or extra member, or a value of another type, is a compile error, so the
 * SQL form of a presenter has the shape of the TypeScript one. Member names are literals, so
 * the statement text stays the same from call to call (db/named-statements.ts).
 */
export function jsonObject<Body extends object> (members: { [K in keyof Body]-?: RawBuilder<Body[K]> }): RawBuilder<Body> {
  const pairs = Object.entries<RawBuilder<unknown>>(members).map(([name, value]) => sql`${sql.lit(name)}, ${value}`)
  return sql<Body>`jsonb_build_object(${sql.join(pairs)})`
}
