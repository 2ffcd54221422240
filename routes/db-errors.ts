/** SQLSTATEs this service maps to client errors. */
export const UNIQUE_VIOLATION = '23505'
export const FOREIGN_KEY_VIOLATION = '23503'

/**
 * True when a pg / PGlite error is the given SQLSTATE on the given constraint, so a
 * race lost to a concurrent writer becomes the same 409 as the pre-checked case.
 */
export function isConstraintViolation (error: unknown, sqlState: string, constraint: string): boolean {
  if (typeof error !== 'object' || error === null) return false
  return 'code' in error && error.code === sqlState && 'constraint' in error && error.constraint === constraint
}
