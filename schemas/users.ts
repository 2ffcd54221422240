import { Type, type Static } from 'typebox'
import { Role, Timestamp, Uuid } from './common.js'

export const Email = Type.String({
  format: 'email',
  minLength: 3,
  maxLength: 254,
  description: 'Email address: a local part of up to 64 characters at a domain with a dot (no IP literals or quoted local parts); surrounding whitespace is trimmed and it is lowercased before validation and storage',
  examples: ['jane.doe@example.com']
})

/** An account as its owner (GET /auth/me) and admins see it. */
export const User = Type.Object({
  id: Uuid,
  email: Email,
  role: Role,
  customer_id: Type.Union([Uuid, Type.Null()], { description: 'The customer profile of a customer account; null for staff and admins without one' }),
  created_at: Timestamp
}, {
  $id: 'User',
  title: 'User',
  description: 'A user account',
  examples: [{
    id: '0b9f6d2e-1c5a-4f3e-8d7b-6a2c9e4f1b3d',
    email: 'jane.doe@example.com',
    role: 'customer',
    customer_id: '3f1c9b2e-6a4d-4e8b-9c1a-2b7d5e8f0a13',
    created_at: '2026-11-24T10:00:00.000Z'
  }]
})

export const RoleUpdate = Type.Object({
  role: Role
}, {
  additionalProperties: false,
  $id: 'UpdateUserRoleRequest',
  title: 'UpdateUserRoleRequest',
  description: 'The new role of the account',
  examples: [{ role: 'staff' }]
})

export type UserBody = Static<typeof User>
export type RoleUpdateBody = Static<typeof RoleUpdate>
