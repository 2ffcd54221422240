import { defineProblems } from '../../lib/problems/define.js'

export const API_KEY_PROBLEMS = defineProblems({
  API_KEY_NOT_FOUND: { status: 404, title: 'API key not found', description: 'No live API key with this id is yours (admins see every user\'s keys); a revoked key is gone.' },
  API_KEY_SCOPE_NOT_GRANTABLE: { status: 403, title: 'Scope not grantable', description: 'A key cannot get a scope beyond its owner\'s role (customers: products:read, customers:read|write, orders:read|write; staff also products:write and events:read; admins every scope).' },
  API_KEY_ALREADY_ROLLED: { status: 409, title: 'API key already rolled', description: 'This key was rolled before and has its successor; roll that one (a key whose overlap is running is not rolled twice).' },
  API_KEY_EXPIRED: { status: 409, title: 'API key expired', description: 'This key has expired, so it is not rolled (its successor would inherit a lifetime that is over); create a new key with POST /api/api-keys.' },
  API_KEY_EXPIRY_INVALID: { status: 422, title: 'API key expiry invalid', description: 'expires_at must be in the future and at most 1 year away; `errors` points at /expires_at.' }
})
