import { Type, type Static } from 'typebox'
import { INT32_MAX } from './bounds.js'
import { NotBlankText } from './common.js'
import { Email } from './users.js'

export const PASSWORD_MIN_LENGTH = 8
export const PASSWORD_MAX_LENGTH = 128

/**
 * The length floor is part of the password policy, judged on the password as a person reads it
 * (routes/auth/password-policy.ts: "ﬃﬃﬃﬃ" reads as 12 letters, "e" + a combining accent as one),
 * so a short one is a 400 WEAK_PASSWORD like every other policy refusal (SPEC §3). The ceiling is
 * the input bound every string has (§1), counted as sent.
 */
export const NewPassword = Type.String({
  minLength: 1,
  maxLength: PASSWORD_MAX_LENGTH,
  description: `Password: at least ${PASSWORD_MIN_LENGTH} characters as a person reads it (Unicode NFKC, invisible characters and surrounding whitespace left out), at most ${PASSWORD_MAX_LENGTH} as sent; not the email or its local part, not a common or breached password (else 400 WEAK_PASSWORD); stored only as an argon2id hash`,
  examples: ['correct horse battery staple']
})

const PersonName = (what: string, example: string) => NotBlankText({
  maxLength: 100,
  description: `${what}, 1..100 characters, not only whitespace or invisible characters (trimmed)`,
  examples: [example]
})

export const RegisterRequest = Type.Object({
  email: Email,
  password: NewPassword,
  first_name: Type.Optional(PersonName('First name for the customer profile; defaults to the email local part', 'Jane')),
  last_name: Type.Optional(PersonName('Last name for the customer profile; defaults to "-"', 'Doe'))
}, {
  additionalProperties: false,
  $id: 'RegisterUserRequest',
  title: 'RegisterUserRequest',
  description: 'A new customer account: email, password and optional names for its customer profile',
  examples: [{ email: 'jane.doe@example.com', password: 'correct horse battery staple', first_name: 'Jane', last_name: 'Doe' }]
})

export const LoginRequest = Type.Object({
  email: Email,
  // Any length up to the maximum: a login must not reveal the password policy through a 400.
  password: Type.String({ minLength: 1, maxLength: PASSWORD_MAX_LENGTH, description: 'The account password', examples: ['correct horse battery staple'] })
}, {
  additionalProperties: false,
  $id: 'LoginUserRequest',
  title: 'LoginUserRequest',
  description: 'Email and password of an account',
  examples: [{ email: 'jane.doe@example.com', password: 'correct horse battery staple' }]
})

export const MAX_REFRESH_TOKEN_LENGTH = 512
/** A signed HS256 JWT with this service's claims is a few hundred characters. */
const MAX_ACCESS_TOKEN_LENGTH = 2048

const RefreshTokenValue = Type.String({
  minLength: 1,
  maxLength: MAX_REFRESH_TOKEN_LENGTH,
  description: 'An opaque refresh token from /login or /auth/refresh',
  examples: ['kR3v0c4bL3-0p4qu3-t0k3n-9Xw2mQ7zL1pA8sD5fG6hJ4k']
})

export const RefreshRequest = Type.Object({
  refresh_token: RefreshTokenValue
}, { additionalProperties: false, $id: 'RefreshTokensRequest', title: 'RefreshTokensRequest', description: 'The refresh token to rotate (single use)', examples: [{ refresh_token: 'kR3v0c4bL3-0p4qu3-t0k3n-9Xw2mQ7zL1pA8sD5fG6hJ4k' }] })

export const LogoutRequest = Type.Object({
  refresh_token: RefreshTokenValue
}, { additionalProperties: false, $id: 'LogoutUserRequest', title: 'LogoutUserRequest', description: 'The refresh token whose login ends (its whole token family is revoked)', examples: [{ refresh_token: 'kR3v0c4bL3-0p4qu3-t0k3n-9Xw2mQ7zL1pA8sD5fG6hJ4k' }] })

export const TokenPair = Type.Object({
  access_token: Type.String({ maxLength: MAX_ACCESS_TOKEN_LENGTH, description: 'JWT (HS256) for Authorization: Bearer', examples: ['eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIuLi4ifQ.c2lnbmF0dXJl'] }),
  refresh_token: Type.String({ maxLength: MAX_REFRESH_TOKEN_LENGTH, description: 'Opaque, single-use refresh token; rotate it with POST /auth/refresh', examples: ['kR3v0c4bL3-0p4qu3-t0k3n-9Xw2mQ7zL1pA8sD5fG6hJ4k'] }),
  token_type: Type.Literal('Bearer'),
  expires_in: Type.Integer({ format: 'int32', minimum: 1, maximum: INT32_MAX, description: 'Seconds until the access token expires', examples: [900] })
}, { $id: 'TokenPair', title: 'TokenPair', description: 'An access token and the refresh token that renews it' })

export type RegisterBody = Static<typeof RegisterRequest>
export type LoginBody = Static<typeof LoginRequest>
export type TokenPairBody = Static<typeof TokenPair>
