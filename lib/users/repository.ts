// The users table for every layer that reads or writes accounts: auth, admin and lib/live-accounts.ts.
import { sql } from 'kysely'
import type { CustomerRow, Db, Role } from '../../db/database.js'

export interface UserProfileRow {
  id: string
  email: string
  role: Role
  customer_id: string | null
  created_at: Date
  updated_at: Date
  /** Row version (the ETag), bumped by the database on every UPDATE. */
  version: number
}

export async function findCredentials (db: Db, email: string): Promise<{ id: string, role: Role, password_hash: string } | undefined> {
  return await db.selectFrom('users')
    .select(['id', 'role', 'password_hash'])
    .where('email', '=', email)
    .executeTakeFirst()
}

export async function findUserRole (db: Db, id: string): Promise<{ id: string, role: Role } | undefined> {
  return await db.selectFrom('users').select(['id', 'role']).where('id', '=', id).executeTakeFirst()
}

/** Locks the users' rows in id order (two transactions locking the same pair wait, never deadlock) and reads their roles. */
export async function lockUserRoles (db: Db, ids: readonly string[]): Promise<Array<{ id: string, role: Role }>> {
  return await db.selectFrom('users').select(['id', 'role']).where('id', 'in', [...ids]).orderBy('id').forUpdate().execute()
}

/** The account with its customer profile id (null when it has none); `forUpdate` locks the user row. */
export async function findUserProfile (db: Db, id: string, forUpdate = false): Promise<UserProfileRow | undefined> {
  const query = db.selectFrom('users')
    .leftJoin('customers', 'customers.user_id', 'users.id')
    .select(['users.id', 'users.email', 'users.role', 'users.created_at', 'users.updated_at', 'users.version', 'customers.id as customer_id'])
    .where('users.id', '=', id)
  return await (forUpdate ? query.forUpdate('users') : query).executeTakeFirst()
}

export async function insertUser (db: Db, email: string, passwordHash: string, role: Role): Promise<{ id: string, email: string, role: Role, created_at: Date, updated_at: Date }> {
  return await db.insertInto('users')
    .values({ email, password_hash: passwordHash, role })
    .returning(['id', 'email', 'role', 'created_at', 'updated_at'])
    .executeTakeFirstOrThrow()
}

export async function insertCustomerProfile (
  db: Db,
  profile: { userId: string, email: string, firstName: string, lastName: string }
): Promise<CustomerRow> {
  return await db.insertInto('customers')
    .values({ user_id: profile.userId, email: profile.email, first_name: profile.firstName, last_name: profile.lastName })
    .returningAll()
    .executeTakeFirstOrThrow()
}

export async function updateRole (db: Db, id: string, role: Role): Promise<void> {
  await db.updateTable('users').set({ role, updated_at: sql`now()` }).where('id', '=', id).execute()
}

/** Creates the admin unless the email is taken; concurrent callers wait on the unique index, one wins. */
export async function insertAdminIfAbsent (db: Db, email: string, passwordHash: string): Promise<string | undefined> {
  const row = await db.insertInto('users')
    .values({ email, password_hash: passwordHash, role: 'admin' })
    .onConflict((oc) => oc.column('email').doNothing())
    .returning(['id'])
    .executeTakeFirst()
  return row?.id
}

/** Makes an existing non-admin account the admin with the given password; undefined when it already is admin. */
export async function promoteToAdmin (db: Db, email: string, passwordHash: string): Promise<string | undefined> {
  const row = await db.updateTable('users')
    .set({ role: 'admin', password_hash: passwordHash, updated_at: sql`now()` })
    .where('email', '=', email)
    .where('role', '<>', 'admin')
    .returning(['id'])
    .executeTakeFirst()
  return row?.id
}
