import { sql } from 'kysely'
import type { CustomerRow, Db } from '../../db/database.js'
import { containsPattern, timestampValue } from '../../db/keyset-values.js'
import type { KeysetPosition } from '../../lib/http/keyset.js'
import { preciseTimestamp } from '../../db/sql-timestamps.js'
import type { Scope } from '../../lib/scope.js'

export type CustomerListRecord = CustomerRow & { created_at_key: string }

export interface CustomerFields {
  first_name: string
  last_name: string
  email: string
  phone: string | null
}

const COLUMNS = ['id', 'user_id', 'first_name', 'last_name', 'email', 'phone', 'created_at', 'updated_at', 'version'] as const

// Never moves backwards (the ETag comes from the row version, not from this).
const nextUpdatedAt = sql<Date>`greatest(now(), updated_at)`

/** "first last": one trigram-indexed expression (migration 0002) that also covers each name alone. */
const fullName = sql<string>`(first_name || ' ' || last_name)`

export async function findCustomer (db: Db, id: string, scope: Scope, lock = false): Promise<CustomerRow | undefined> {
  let query = db.selectFrom('customers').select(COLUMNS).where('id', '=', id)
  if (scope.kind === 'own') query = query.where('user_id', '=', scope.userId)
  return await (lock ? query.forUpdate() : query).executeTakeFirst()
}

export async function listCustomers (
  db: Db, scope: Scope, q: string | undefined, after: KeysetPosition | null, limit: number
): Promise<CustomerListRecord[]> {
  let query = db.selectFrom('customers').select(COLUMNS).select(preciseTimestamp('created_at').as('created_at_key'))
  if (scope.kind === 'own') query = query.where('user_id', '=', scope.userId)
  if (q !== undefined) {
    const pattern = containsPattern(q)
    query = query.where((eb) => eb.or([eb(fullName, 'ilike', pattern), eb('email', 'ilike', pattern)]))
  }
  if (after !== null) {
    query = query.where((eb) => eb(eb.refTuple('created_at', 'id'), '>', eb.tuple(timestampValue(after.value), after.id)))
  }
  return await query.orderBy('created_at').orderBy('id').limit(limit + 1).execute()
}

export async function insertCustomer (db: Db, fields: CustomerFields): Promise<CustomerRow> {
  return await db.insertInto('customers').values(fields).returning(COLUMNS).executeTakeFirstOrThrow()
}

export async function updateCustomer (db: Db, id: string, fields: Partial<CustomerFields>): Promise<CustomerRow> {
  return await db.updateTable('customers')
    .set({ ...fields, updated_at: nextUpdatedAt })
    .where('id', '=', id)
    .returning(COLUMNS)
    .executeTakeFirstOrThrow()
}

export async function hasOrders (db: Db, id: string): Promise<boolean> {
  const row = await db.selectFrom('orders').select('id').where('customer_id', '=', id).limit(1).executeTakeFirst()
  return row !== undefined
}

/** Whether the account is customer-role, read FOR SHARE so a concurrent role change waits for the caller's transaction. */
export async function isCustomerAccount (db: Db, userId: string): Promise<boolean> {
  const row = await db.selectFrom('users').select('id').where('id', '=', userId).where('role', '=', 'customer').forShare().executeTakeFirst()
  return row !== undefined
}

export async function deleteCustomer (db: Db, id: string): Promise<void> {
  await db.deleteFrom('customers').where('id', '=', id).execute()
}
