import type { FastifyServerOptions } from 'fastify'
import type { DestinationStream } from 'pino'
import type { AppConfig } from './config.js'

/** Paths pino replaces with [Redacted]: credentials never reach the logs. */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  '*.password',
  '*.password_hash',
  '*.access_token',
  '*.refresh_token',
  '*.token',
  '*.secret'
]

export function loggerOptions (config: AppConfig, stream?: DestinationStream): FastifyServerOptions['logger'] {
  return {
    level: config.logLevel,
    redact: { paths: REDACT_PATHS, censor: '[Redacted]' },
    ...(stream !== undefined ? { stream } : {})
  }
}

/** `john.doe@example.com` -> `jo***@example.com`: enough to correlate, not to identify. */
export function maskEmail (email: string): string {
  const at = email.lastIndexOf('@')
  if (at < 1) return '***'
  return `${email.slice(0, Math.min(2, at))}***${email.slice(at)}`
}
