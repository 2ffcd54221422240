import type { CustomerRow } from '../../db/database.js'
import type { CustomerBody } from '../../schemas/customers.js'

export function presentCustomer (row: CustomerRow): CustomerBody {
  return {
    id: row.id,
    user_id: row.user_id,
    first_name: row.first_name,
    last_name: row.last_name,
    email: row.email,
    phone: row.phone,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString()
  }
}
