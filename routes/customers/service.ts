import type { CustomerRow, Db } from '../../db/database.js'
import { AppError } from '../../lib/app-error.js'
import type { CreateCustomerInput, ListCustomersInput, UpdateCustomerInput } from '../../schemas/customers.js'
import { FOREIGN_KEY_VIOLATION, isConstraintViolation, UNIQUE_VIOLATION } from '../../db/errors.js'
import { decodeSortCursor, pageBySort, type SortOrder } from '../../lib/http/keyset.js'
import { recordAudit, type AuditContext } from '../audit/record.js'
import * as repo from './repository.js'
import type { CustomerFields } from './repository.js'
import { scopeOf, type Caller } from '../../lib/scope.js'
import { CUSTOMER_PROBLEMS } from './problems.js'
import { HTTP_PROBLEMS } from '../../lib/problems/http.js'
import type { Precondition } from '../../lib/http/etag.js'

const DEFAULT_LIMIT = 20
const BY_CREATED_AT: SortOrder<'created_at'> = { name: 'created_at', column: 'created_at', kind: 'timestamp', descending: false }

const customerNotFound = (): AppError => new AppError(CUSTOMER_PROBLEMS.CUSTOMER_NOT_FOUND, 'No customer with this id')
const hasOrders = (): AppError => new AppError(CUSTOMER_PROBLEMS.CUSTOMER_HAS_ORDERS, 'The customer has orders; order history is never deleted')
const hasAccount = (): AppError => new AppError(CUSTOMER_PROBLEMS.CUSTOMER_HAS_ACCOUNT, 'This is the profile of a customer account, which owns exactly one; change the account\'s role before deleting it')

/**
 * A customer's profile email is the address it signed up with, and the API has no way to verify
 * another: a customer that could set any address would hold it against the person who owns it
 * (their registration is then 409 CUSTOMER_EMAIL_TAKEN). Staff and admins change it.
 */
const ownEmailFixed = (): AppError => new AppError(HTTP_PROBLEMS.FORBIDDEN, 'A customer does not change its profile\'s email: it is the address the account signed up with; the shop (staff) can change it', {
  errors: [{ pointer: '/email', in: 'body', detail: 'is the sign-up address; only staff change it' }]
})

function emailTakenOr (error: unknown): unknown {
  return isConstraintViolation(error, UNIQUE_VIOLATION, 'customers_email_key')
    ? new AppError(CUSTOMER_PROBLEMS.CUSTOMER_EMAIL_TAKEN, 'Another customer already has this email', { errors: [{ pointer: '/email', in: 'body', detail: 'is already taken' }] })
    : error
}

export async function listCustomerPage (db: Db, caller: Caller, query: ListCustomersInput): Promise<{ rows: CustomerRow[], nextCursor: string | null }> {
  const limit = query.limit ?? DEFAULT_LIMIT
  const after = decodeSortCursor(query.cursor, BY_CREATED_AT)
  const rows = await repo.listCustomers(db, scopeOf(caller), query.q, after, limit)
  const { page, nextCursor } = pageBySort(rows, limit, BY_CREATED_AT, (row) => row.created_at_key)
  return { rows: page, nextCursor }
}

export async function getCustomer (db: Db, id: string, caller: Caller): Promise<CustomerRow> {
  const row = await repo.findCustomer(db, id, scopeOf(caller))
  if (row === undefined) throw customerNotFound()
  return row
}

/** Profiles made through the API belong to no user account (registration links its own). */
export async function createCustomer (db: Db, input: CreateCustomerInput, audit: AuditContext): Promise<CustomerRow> {
  try {
    return await db.transaction().execute(async (trx) => {
      const row = await repo.insertCustomer(trx, { ...input, phone: input.phone ?? null })
      await recordAudit(trx, audit, { action: 'customer.created', resource: { type: 'customer', id: row.id }, before: null, after: row })
      return row
    })
  } catch (error) {
    throw emailTakenOr(error)
  }
}

export const replacementOf = (input: CreateCustomerInput): CustomerFields => ({ ...input, phone: input.phone ?? null })

/** PUT and PATCH: the If-Match check and the write see the same locked row. */
export async function changeCustomer (
  db: Db, id: string, caller: Caller, fields: UpdateCustomerInput, precondition: Precondition, audit: AuditContext
): Promise<CustomerRow> {
  try {
    return await db.transaction().execute(async (trx) => {
      const current = await repo.findCustomer(trx, id, scopeOf(caller), true)
      if (current === undefined) throw customerNotFound()
      precondition(current)
      if (caller.role === 'customer' && fields.email !== undefined && fields.email !== current.email) throw ownEmailFixed()
      const updated = await repo.updateCustomer(trx, id, fields)
      await recordAudit(trx, audit, { action: 'customer.updated', resource: { type: 'customer', id }, before: current, after: updated })
      return updated
    })
  } catch (error) {
    throw emailTakenOr(error)
  }
}

/**
 * Orders reference customers ON DELETE RESTRICT: a customer with orders is refused
 * up front, and an order committed concurrently makes the FK refuse with the same 409.
 */
export async function removeCustomer (db: Db, id: string, precondition: Precondition, audit: AuditContext): Promise<void> {
  try {
    await db.transaction().execute(async (trx) => {
      const current = await repo.findCustomer(trx, id, { kind: 'all' }, true)
      if (current === undefined) throw customerNotFound()
      precondition(current)
      if (await repo.hasOrders(trx, id)) throw hasOrders()
      if (current.user_id !== null && await repo.isCustomerAccount(trx, current.user_id)) throw hasAccount()
      await repo.deleteCustomer(trx, id)
      await recordAudit(trx, audit, { action: 'customer.deleted', resource: { type: 'customer', id }, before: current, after: null })
    })
  } catch (error) {
    if (isConstraintViolation(error, FOREIGN_KEY_VIOLATION, 'orders_customer_id_fkey')) throw hasOrders()
    throw error
  }
}
