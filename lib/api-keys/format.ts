import { createHash, randomBytes } from 'node:crypto'

/**
 * The API key format of SPEC §7: `gsk_` + 32 random bytes in base62 (43 characters) + a
 * 6-character checksum (base62 of the first 4 bytes of the body's SHA-256), like GitHub's
 * tokens. The checksum is no secret; it lets a typo, a truncated copy or a made-up string be
 * refused without a database read, and lets secret scanners recognise a real key.
 */
export const API_KEY_TAG = 'gsk_'
/** `prefix` shown in listings: the tag and the first 8 characters of the secret. */
export const API_KEY_PREFIX_LENGTH = 12

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'
const SECRET_CHARS = 43
const CHECKSUM_CHARS = 6
export const API_KEY_LENGTH = API_KEY_TAG.length + SECRET_CHARS + CHECKSUM_CHARS
const SHAPE = new RegExp(`^${API_KEY_TAG}[0-9A-Za-z]{${SECRET_CHARS + CHECKSUM_CHARS}}$`)

function base62 (value: bigint, width: number): string {
  let out = ''
  for (let rest = value; rest > 0n; rest /= 62n) out = ALPHABET[Number(rest % 62n)] + out
  return out.padStart(width, '0')
}

function checksum (body: string): string {
  return base62(BigInt(createHash('sha256').update(body).digest().readUInt32BE(0)), CHECKSUM_CHARS)
}

/** A new key, random from the OS CSPRNG. */
export function generateApiKey (): string {
  const body = API_KEY_TAG + base62(BigInt(`0x${randomBytes(32).toString('hex')}`), SECRET_CHARS)
  return body + checksum(body)
}

/** True when `value` has a key's length and characters (its checksum unchecked). */
export function hasApiKeyShape (value: string): boolean {
  return value.length === API_KEY_LENGTH && SHAPE.test(value)
}

/** True when `value` has the shape of a key and its checksum matches (no database needed). */
export function isWellFormedApiKey (value: string): boolean {
  if (!hasApiKeyShape(value)) return false
  const body = value.slice(0, -CHECKSUM_CHARS)
  return checksum(body) === value.slice(-CHECKSUM_CHARS)
}

/** What the database stores and looks keys up by: hex SHA-256 of the whole key. */
export function hashApiKey (key: string): string {
  return createHash('sha256').update(key).digest('hex')
}

const SCHEME = 'bearer '

/**
 * Whether an Authorization header value is meant as an API key (rather than an access token).
 * The scheme is case-insensitive (RFC 9110 §11.1) and followed by one space, the rules
 * @fastify/jwt applies to access tokens; the key itself is case-sensitive.
 */
export function apiKeyOf (authorization: string | undefined): string | null {
  if (authorization === undefined || !authorization.startsWith(API_KEY_TAG, SCHEME.length) ||
    authorization.slice(0, SCHEME.length).toLowerCase() !== SCHEME) return null
  return authorization.slice(SCHEME.length)
}
