import { isDateTime, isFullDate } from '../formats.js'
import { isRecord } from '../is-record.js'

/** When an operation was deprecated, when it goes away, and where that is explained. */
export interface DeprecationNotice {
  /** RFC 3339 date-time (or date) the operation was deprecated. */
  since: string
  /** RFC 3339 date-time (or date) after which it may stop being served. */
  sunset: string
  /** Absolute http(s) URL, or a path on this service, of the notice that says what to use instead. */
  link: string
}

/** The route schema keywords of a deprecated operation; they are also what the OpenAPI document shows. */
export interface DeprecatedOperation {
  deprecated: true
  'x-deprecated-at': string
  'x-sunset': string
  externalDocs: { description: string, url: string }
}

/** Spread into a route schema: `schema: { ...deprecatedOperation({ since, sunset, link }), response }`. */
export function deprecatedOperation ({ since, sunset, link }: DeprecationNotice): DeprecatedOperation {
  return { deprecated: true, 'x-deprecated-at': since, 'x-sunset': sunset, externalDocs: { description: 'Deprecation notice: what to use instead', url: link } }
}

export interface DeprecationHeaders {
  /** RFC 9745: `@` and Unix seconds. */
  deprecation: string
  /** RFC 8594: an HTTP-date. */
  sunset: string
  /** RFC 8288 link to the notice, `rel="deprecation"` (RFC 9745). */
  link: string
}

/**
 * An RFC 3339 date-time (with its offset) or full-date (midnight UTC). A date-time without an
 * offset would be read in the server's local time zone, so each replica could announce another instant.
 */
function instant (value: unknown, keyword: string, route: string): number {
  const valid = typeof value === 'string' && (isDateTime(value) || isFullDate(value))
  if (!valid) throw new Error(`${route} is deprecated: ${keyword} must be an RFC 3339 date or date-time with an offset (deprecatedOperation in lib/http/deprecation.ts), got ${JSON.stringify(value)}`)
  return Date.parse(value)
}

/**
 * The headers a route sends when its schema marks it deprecated, else null. Decided once, when
 * the route is added: a deprecated route without a complete notice stops the start, naming it.
 */
export function deprecationHeaders (schema: unknown, route: string): DeprecationHeaders | null {
  if (!isRecord(schema) || schema.deprecated !== true) return null
  const since = instant(schema['x-deprecated-at'], 'x-deprecated-at', route)
  const sunset = instant(schema['x-sunset'], 'x-sunset', route)
  if (sunset < since) throw new Error(`${route} is deprecated: x-sunset is before x-deprecated-at`)
  const url = isRecord(schema.externalDocs) ? schema.externalDocs.url : undefined
  if (typeof url !== 'string' || !/^(https?:\/\/[^\s<>]+|\/[^\s<>]*)$/.test(url)) {
    throw new Error(`${route} is deprecated: externalDocs.url must be the notice's http(s) URL or path, got ${JSON.stringify(url)}`)
  }
  return {
    deprecation: `@${Math.floor(since / 1000)}`,
    sunset: new Date(sunset).toUTCString(),
    link: `<${url}>; rel="deprecation"`
  }
}
