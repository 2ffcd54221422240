import { AppError } from '../../lib/app-error.js'
import { AUTH_PROBLEMS } from './problems.js'
import { CUSTOMER_PROBLEMS } from '../customers/problems.js'
import { HTTP_PROBLEMS } from '../../lib/problems/http.js'

export const invalidCredentials = (): AppError =>
  new AppError(AUTH_PROBLEMS.INVALID_CREDENTIALS, 'The email or password is incorrect')

export const emailTaken = (): AppError =>
  new AppError(AUTH_PROBLEMS.EMAIL_TAKEN, 'An account with this email already exists')

export const profileEmailTaken = (): AppError =>
  new AppError(CUSTOMER_PROBLEMS.CUSTOMER_EMAIL_TAKEN, 'No account has this email, but a customer profile uses it; the shop can change that profile\'s email', {
    errors: [{ pointer: '/email', in: 'body', detail: 'is the email of an existing customer profile' }]
  })

export const tooManyFailures = (retryAfterSeconds: number): AppError =>
  new AppError(HTTP_PROBLEMS.RATE_LIMITED, `Too many failed logins from this client; retry in ${retryAfterSeconds} s`,
    { headers: { 'retry-after': String(retryAfterSeconds) } })

export const refreshRejected = (code: 'REFRESH_TOKEN_INVALID' | 'REFRESH_TOKEN_EXPIRED' | 'REFRESH_TOKEN_REUSED'): AppError => {
  const details = {
    REFRESH_TOKEN_INVALID: 'The refresh token is unknown or revoked; log in again',
    REFRESH_TOKEN_EXPIRED: 'The refresh token has expired; log in again',
    REFRESH_TOKEN_REUSED: 'The refresh token was already used; all sessions from this login were revoked, log in again'
  }
  return new AppError(AUTH_PROBLEMS[code], details[code])
}

export { accountGone } from '../../plugins/app/auth.js'
