import { randomUUID } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import type { Role } from '../../db/database.js'
import { hashPassword } from '../../routes/auth/passwords.js'

export interface TestUser {
  id: string
  email: string
  password: string
  role: Role
  /** The customer profile id (customers only). */
  customerId: string | null
  token: string
  headers: { authorization: string }
}

let cachedHash: { password: string, hash: string } | undefined

/** Hashed as the app hashes (its argon2 parameters), so a login with this password costs what a registered user's does. */
async function passwordHash (password: string): Promise<string> {
  if (cachedHash?.password !== password) cachedHash = { password, hash: await hashPassword(password) }
  return cachedHash.hash
}

/**
 * Inserts a user straight into the database (customers get their profile too) and
 * signs an access token for it, so route tests do not depend on the auth routes.
 */
export async function createUser (app: FastifyInstance, role: Role = 'customer', email?: string): Promise<TestUser> {
  const password = 'correct horse battery staple'
  const address = email ?? `${role}-${randomUUID()}@example.com`
  const user = await app.db.insertInto('users')
    .values({ email: address, password_hash: await passwordHash(password), role })
    .returning(['id'])
    .executeTakeFirstOrThrow()
  let customerId: string | null = null
  if (role === 'customer') {
    const customer = await app.db.insertInto('customers')
      .values({ user_id: user.id, first_name: 'Test', last_name: 'Customer', email: address })
      .returning(['id'])
      .executeTakeFirstOrThrow()
    customerId = customer.id
  }
  const token = app.jwt.sign({ sub: user.id, role, jti: randomUUID() })
  return { id: user.id, email: address, password, role, customerId, token, headers: { authorization: `Bearer ${token}` } }
}
