/** SQLSTATEs the service reacts to. */
export const UNIQUE_VIOLATION = '23505'
export const FOREIGN_KEY_VIOLATION = '23503'

/** The SQLSTATE (or errno code) of a pg / PGlite error, '' for anything else. */
export function errorCode (error: unknown): string {
  if (typeof error !== 'object' || error === null || !('code' in error)) return ''
  return typeof error.code === 'string' ? error.code : ''
}

/**
 * True when a pg / PGlite error is the given SQLSTATE on one of the given constraints,
 * so a race lost to a concurrent writer becomes the same 409 as the pre-checked case.
 */
export function isConstraintViolation (error: unknown, sqlState: string, ...constraints: string[]): boolean {
  if (errorCode(error) !== sqlState || typeof error !== 'object' || error === null) return false
  return 'constraint' in error && typeof error.constraint === 'string' && constraints.includes(error.constraint)
}

export const isUniqueViolation = (error: unknown, ...constraints: string[]): boolean =>
  isConstraintViolation(error, UNIQUE_VIOLATION, ...constraints)
