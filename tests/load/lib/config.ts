/**
 * Where and as whom the scenarios run. Everything comes from `k6 run -e NAME=value`
 * or the process environment (__ENV); the defaults suit a local `npm start`.
 */
export const BASE_URL = (__ENV.BASE_URL ?? 'http://127.0.0.1:8080').replace(/\/+$/, '')

/** A staff/admin account (the bootstrap admin: ADMIN_EMAIL / ADMIN_PASSWORD on the server). */
export const ADMIN_EMAIL = __ENV.ADMIN_EMAIL ?? ''
export const ADMIN_PASSWORD = __ENV.ADMIN_PASSWORD ?? ''

/** Password given to every customer a scenario registers. */
export const CUSTOMER_PASSWORD = __ENV.CUSTOMER_PASSWORD ?? 'load-test-password-1'

/** A run id keeps emails and SKUs unique when scenarios run repeatedly against one database. */
export const RUN_ID = __ENV.RUN_ID ?? `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`

export function envInt (name: string, fallback: number): number {
  const raw = __ENV[name]
  if (raw === undefined || raw === '') return fallback
  const value = Number(raw)
  if (!Number.isInteger(value) || value < 0) throw new Error(`${name} must be a non-negative integer, got ${raw}`)
  return value
}

export const hasAdmin = (): boolean => ADMIN_EMAIL !== '' && ADMIN_PASSWORD !== ''
