import type { FastifyInstance } from 'fastify'
import type { TestUser } from './users.js'

export interface TestApiKey {
  id: string
  key: string
  headers: { authorization: string }
}

/** Creates an API key through the API, as `owner`; fails the test when the API refuses. */
export async function createApiKey (app: FastifyInstance, owner: TestUser, scopes: string[], extra: Record<string, unknown> = {}): Promise<TestApiKey> {
  const res = await app.inject({
    method: 'POST', url: '/api/api-keys', headers: { ...owner.headers, 'content-type': 'application/json' }, payload: { name: 'test key', scopes, ...extra }
  })
  if (res.statusCode !== 201) throw new Error(`creating an API key: ${res.statusCode} ${res.body}`)
  const { id, key } = res.json()
  return { id, key, headers: { authorization: `Bearer ${key}` } }
}
