import { randomUUID } from 'node:crypto'
import { suite } from '../helpers/suite.js'
import { waitFor } from '../helpers/wait.js'
import { apiClient } from './client.js'
import { adminClient } from './flows.js'
import { startServer } from '../helpers/server-process.js'
import { assertHeadersDeclared, recordExchanges } from './header-audit.js'

export default suite(import.meta, async (t) => {
  recordExchanges(t)
  const server = await startServer(t)

  t.test('a program with an API key: create, use within its scopes, roll, revoke', async (t) => {
    const admin = await adminClient(server.baseUrl)
    const created = await admin.POST('/api/api-keys', { body: { name: 'E2E catalog sync', scopes: ['products:read', 'products:write'] } })
    t.equal(created.response.status, 201)
    const key = created.data
    if (key === undefined) throw new Error('no key')
    t.match(key.key, /^gsk_[0-9A-Za-z]{49}$/)
    t.equal(key.prefix, key.key.slice(0, 12))

    const program = apiClient(server.baseUrl, key.key)
    const sku = `E2E-KEY-${randomUUID().slice(0, 8)}`
    const product = await program.POST('/api/products', { body: { sku, name: 'Synced mug', price_cents: 900, stock: 3 } })
    t.equal(product.response.status, 201, 'the key writes the catalog')
    const id = product.data?.id ?? ''
    const read = await program.GET('/api/products/{id}', { params: { path: { id } } })
    t.equal(read.data?.sku, sku, 'and reads it')

    // Listed once no older transaction is open anywhere on the Postgres server.
    const audit = await waitFor('the creation in the audit log', async () => {
      const page = await admin.GET('/api/audit-events', { params: { query: { resource_id: id } } })
      return (page.data?.data.length ?? 0) > 0 ? page : undefined
    })
    t.match(audit.data?.data[0], { action: 'product.created', actor: { type: 'api_key', id: key.id } }, 'the audit log names the key')

    const outside = await program.GET('/api/audit-events', { params: { query: {} } })
    t.equal(outside.response.status, 403, 'audit:read was not granted')
    t.equal(outside.error?.code, 'INSUFFICIENT_SCOPE')
    t.same(outside.error?.required_scopes, ['audit:read'])
    const manage = await program.GET('/api/api-keys', { params: { query: {} } })
    t.equal(manage.response.status, 403, 'a key cannot manage keys')

    const rolled = await admin.POST('/api/api-keys/{id}/roll', { params: { path: { id: key.id } }, body: { expires_in_hours: 0 } })
    t.equal(rolled.response.status, 201)
    const old = await program.GET('/api/products/{id}', { params: { path: { id } } })
    t.equal(old.response.status, 401, 'rolled with no overlap: the old key stops')
    t.equal(old.error?.code, 'API_KEY_INVALID')
    const successor = apiClient(server.baseUrl, rolled.data?.key ?? '')
    t.equal((await successor.GET('/api/products/{id}', { params: { path: { id } } })).response.status, 200, 'the new key works')

    const listed = await admin.GET('/api/api-keys', { params: { query: {} } })
    t.ok(listed.data?.data.some((listedKey) => listedKey.id === rolled.data?.id), 'the new key is listed')
    t.equal((await admin.DELETE('/api/api-keys/{id}', { params: { path: { id: rolled.data?.id ?? '' } } })).response.status, 204)
    t.equal((await successor.GET('/api/products/{id}', { params: { path: { id } } })).response.status, 401, 'revoked: refused')
  })

  t.test('every response header this file received is declared in the document', async (t) => {
    await assertHeadersDeclared(t, server.baseUrl)
  })
})
