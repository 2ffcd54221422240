import { randomUUID } from 'node:crypto'
import argon2 from 'argon2'
import type { FastifyInstance } from 'fastify'
import type { Role } from '../../db/database.js'

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

async function passwordHash (password: string): Promise<string> {
  if (cachedHash?.password !== password) {
    cachedHash = { password, hash: await argon2.hash(password, { type: argon2.argon2id }) }
  }
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
