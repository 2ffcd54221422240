import { defineProblems } from '../../lib/problems/define.js'

export const AUTH_PROBLEMS = defineProblems({
  WEAK_PASSWORD: { status: 400, title: 'Weak password', description: 'The new password is too easy to guess (too short, only whitespace, the email, or a common or breached password); `errors` points at /password.' },
  INVALID_CREDENTIALS: { status: 401, title: 'Invalid credentials', description: 'The email or password is incorrect.' },
  REFRESH_TOKEN_INVALID: { status: 401, title: 'Refresh token invalid', description: 'The refresh token is unknown or was revoked; log in again.' },
  REFRESH_TOKEN_EXPIRED: { status: 401, title: 'Refresh token expired', description: 'The refresh token has expired; log in again.' },
  REFRESH_TOKEN_REUSED: { status: 401, title: 'Refresh token reused', description: 'A refresh token was used twice, so the whole session was revoked as a precaution; log in again.' },
  EMAIL_TAKEN: { status: 409, title: 'Email taken', description: 'An account with this email already exists.' }
})
