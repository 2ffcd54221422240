/** Placeholder last name of a profile made without one (customers.last_name is NOT NULL, 1..100). */
export const DEFAULT_LAST_NAME = '-'

/** Names for a new customer profile: the given ones trimmed, else the email local part and "-". */
export function profileNames (email: string, firstName?: string, lastName?: string): { firstName: string, lastName: string } {
  return {
    firstName: firstName?.trim() ?? email.slice(0, email.lastIndexOf('@')).slice(0, 100),
    lastName: lastName?.trim() ?? DEFAULT_LAST_NAME
  }
}
