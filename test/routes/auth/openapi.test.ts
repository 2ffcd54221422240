import { suite } from '../../helpers/suite.js'
import { buildTestApp } from '../../helpers/app.js'

interface Operation { operationId?: string, security?: unknown[], requestBody?: { content: Record<string, { schema: Record<string, unknown> }> }, responses: Record<string, unknown> }

export default suite(import.meta, (t) => {
  t.test('the auth and admin routes are documented with operation ids, strict bodies and bearer security', async (t) => {
    const app = await buildTestApp(t)
    const res = await app.inject({ method: 'GET', url: '/swagger/json' })
    t.equal(res.statusCode, 200)
    const paths: Record<string, Record<string, Operation>> = res.json().paths
    const components: Record<string, Record<string, unknown>> = res.json().components.schemas
    const resolve = (schema: Record<string, unknown> | undefined): Record<string, unknown> | undefined =>
      typeof schema?.$ref === 'string' ? components[schema.$ref.replace('#/components/schemas/', '')] : schema
    const expected: Array<[string, string, string, boolean]> = [
      ['/register', 'post', 'registerUser', false],
      ['/login', 'post', 'loginUser', false],
      ['/auth/refresh', 'post', 'refreshTokens', false],
      ['/auth/logout', 'post', 'logoutUser', false],
      ['/auth/me', 'get', 'getCurrentUser', true],
      ['/api/users/{id}/role', 'put', 'updateUserRole', true],
      ['/api/admin/log-level', 'put', 'updateLogLevel', true]
    ]
    for (const [path, method, operationId, secured] of expected) {
      const operation = paths[path]?.[method]
      t.equal(operation?.operationId, operationId, `${method} ${path}`)
      t.equal((operation?.security ?? []).length > 0, secured, `${operationId} security`)
      const body = resolve(operation?.requestBody?.content['application/json']?.schema)
      if (method !== 'get') t.equal(body?.additionalProperties, false, `${operationId} body is strict`)
    }
    t.ok(paths['/login']?.post?.responses['401'], 'login documents its 401')
    t.ok(paths['/api/users/{id}/role']?.put?.responses['403'], 'admin routes document 403')
  })
})
