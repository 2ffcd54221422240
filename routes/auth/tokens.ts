import { createHash, randomBytes } from 'node:crypto'

export const REFRESH_TOKEN_BYTES = 32

/** An opaque refresh token: 32 random bytes, base64url (43 characters). */
export function newRefreshToken (): string {
  return randomBytes(REFRESH_TOKEN_BYTES).toString('base64url')
}

/** Only this digest is stored: a database leak does not hand out usable refresh tokens. */
export function hashRefreshToken (token: string): string {
  return createHash('sha256').update(token).digest('hex')
}
