/** Every SQLSTATE the service reacts to, by name, and the classes they form. */
export const UNIQUE_VIOLATION = '23505'
export const FOREIGN_KEY_VIOLATION = '23503'
/** raise_exception: what refuse_statement() (an order statement refusing) raises. */
export const RAISE_EXCEPTION = 'P0001'
const DEADLOCK_DETECTED = '40P01'
const SERIALIZATION_FAILURE = '40001'

/** deadlock_detected, serialization_failure: the transaction lost a race and is safe to run again. */
const RETRYABLE_SQLSTATES = new Set([DEADLOCK_DETECTED, SERIALIZATION_FAILURE])

/**
 * Data exceptions caused by input that slipped past the schemas (NUL bytes, bad
 * encodings, out-of-range values): the client's fault, not a bug.
 */
const INPUT_SQLSTATES = new Set(['22001', '22003', '22007', '22008', '22021', '22P02', '22P05'])

/**
 * "Try again" or "the database is away" rather than a bug: lost races, lock and statement
 * timeouts, shutdowns, too many connections; class 08 (connection exceptions) counts too.
 */
const TRANSIENT_SQLSTATES = new Set([...RETRYABLE_SQLSTATES, '55P03', '57014', '57P01', '57P02', '57P03', '53300'])

/** The SQLSTATE (or errno code) of a pg / PGlite error, '' for anything else. */
export function errorCode (error: unknown): string {
  if (typeof error !== 'object' || error === null || !('code' in error)) return ''
  return typeof error.code === 'string' ? error.code : ''
}

export const isRetryableTransactionError = (error: unknown): boolean => RETRYABLE_SQLSTATES.has(errorCode(error))
export const isDataException = (error: unknown): boolean => INPUT_SQLSTATES.has(errorCode(error))
export function isTransientDatabaseError (error: unknown): boolean {
  const code = errorCode(error)
  return TRANSIENT_SQLSTATES.has(code) || code.startsWith('08')
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
