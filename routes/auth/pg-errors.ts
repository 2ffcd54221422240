const UNIQUE_VIOLATION = '23505'

/** True when a pg / PGlite error is a unique violation of one of the given constraints. */
export function isUniqueViolation (error: unknown, ...constraints: string[]): boolean {
  if (typeof error !== 'object' || error === null) return false
  if (!('code' in error) || error.code !== UNIQUE_VIOLATION) return false
  return 'constraint' in error && typeof error.constraint === 'string' && constraints.includes(error.constraint)
}
