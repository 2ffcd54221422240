import { suite } from '../helpers/suite.js'
import { API_SCOPES, ROLE_SCOPES } from '../../lib/scopes.js'
import { ApiScopeSchema } from '../../schemas/api-keys.js'
import { buildTestApp } from '../helpers/app.js'
import { createApiKey } from '../helpers/api-keys.js'
import { fillPath, listOperations } from '../helpers/openapi.js'
import { createUser } from '../helpers/users.js'
import type { Role } from '../../db/database.js'

/**
 * Operations that take a user access token and never an API key: admin actions on people and
 * the runtime, and key management itself (a key cannot mint keys).
 * A new operation lands here only by a decision; otherwise it declares `config.scopes`.
 */
const TOKEN_ONLY = new Set([
  'PUT /api/users/{id}/role',
  'PUT /api/admin/log-level',
  'POST /api/api-keys', 'GET /api/api-keys', 'GET /api/api-keys/{id}', 'DELETE /api/api-keys/{id}', 'POST /api/api-keys/{id}/roll'
])
const ROLES: Role[] = ['customer', 'staff', 'admin']
const grants = (role: string, scope: string): boolean => ROLES.some((known) => known === role && [...ROLE_SCOPES[known]].some((granted) => granted === scope))

export default suite(import.meta, (t) => {
  t.test('the scope schema lists exactly the scopes of lib/scopes.ts', async (t) => {
    t.same(ApiScopeSchema.anyOf.map((literal) => literal.const), [...API_SCOPES])
  })

  t.test('every authenticated operation either admits keys with declared scopes or is token-only by decision; keys without the scope get 403 naming them', async (t) => {
    const app = await buildTestApp(t)
    const admin = await createUser(app, 'admin')
    // One key per scope, each of an admin (so the role never interferes): a key whose scope an operation does not list.
    const keys = new Map<string, { authorization: string }>()
    for (const scope of API_SCOPES) keys.set(scope, (await createApiKey(app, admin, [scope])).headers)
    const operations = (await listOperations(app)).filter((operation) => operation.secured)
    t.ok(operations.length > 30, `${operations.length} authenticated operations`)
    for (const operation of operations) {
      const name = `${operation.method} ${operation.path}`
      const url = fillPath(operation.path, '00000000-0000-4000-8000-000000000000')
      if (operation.apiKeyScopes === null) {
        t.ok(TOKEN_ONLY.has(name), `${name}: takes no API key, and is listed as token-only`)
        const res = await app.inject({ method: operation.method, url, headers: keys.get('products:read') })
        t.equal(res.statusCode, 403, `${name}: a key is refused`)
        t.same(res.json().required_scopes, [], `${name}: no scope would do`)
        continue
      }
      t.notOk(TOKEN_ONLY.has(name), `${name}: declares scopes, so it is not token-only`)
      if (operation.apiKeyScopes.length === 0) {
        // Any key will do (GET /auth/me): a key with any one scope is admitted.
        for (const [scope, headers] of keys) {
          const res = await app.inject({ method: operation.method, url, headers })
          t.notOk([401, 403].includes(res.statusCode), `${name}: a key with ${scope} only is admitted (${res.statusCode})`)
        }
        continue
      }
      const allowedRoles = operation.roles.length > 0 ? operation.roles : ROLES
      for (const scope of operation.apiKeyScopes) {
        t.ok(allowedRoles.some((role) => grants(role, scope)), `${name}: ${scope} is grantable by a role that may call it`)
      }
      const outsider = API_SCOPES.find((scope) => !operation.apiKeyScopes?.includes(scope))
      const res = await app.inject({ method: operation.method, url, headers: keys.get(outsider ?? '') })
      t.equal(res.statusCode, 403, `${name}: a key with ${outsider} only is refused`)
      t.match(res.json(), { code: 'INSUFFICIENT_SCOPE', required_scopes: operation.apiKeyScopes }, `${name}: the problem names ${operation.apiKeyScopes.join(', ')}`)
    }
  })
})
