import type { UserBody } from '../../schemas/users.js'
import type { UserProfileRow } from './repository.js'

export function toUserBody (row: Omit<UserProfileRow, 'updated_at' | 'version'>): UserBody {
  return { id: row.id, email: row.email, role: row.role, customer_id: row.customer_id, created_at: row.created_at.toISOString() }
}
