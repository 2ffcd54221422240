import { suite } from '../../helpers/suite.js'
import { buildTestApp } from '../../helpers/app.js'
import { createUser } from '../../helpers/users.js'

const json = { 'content-type': 'application/json' }

export default suite(import.meta, (t) => {
  t.test('webhook endpoints: admin only, secret shown once, CRUD with ETags, rotation', async (t) => {
    const app = await buildTestApp(t)
    const admin = await createUser(app, 'admin')
    const staff = await createUser(app, 'staff')
    const customer = await createUser(app, 'customer')
    const body = { url: 'https://erp.example.com/hooks', events: ['order.created'], description: 'ERP' }

    for (const user of [staff, customer]) {
      const denied = await app.inject({ method: 'POST', url: '/api/webhooks', headers: { ...user.headers, ...json }, payload: body })
      t.equal(denied.statusCode, 403, `${user.role} may not register endpoints`)
      t.equal(denied.json().code, 'FORBIDDEN')
      t.equal((await app.inject({ method: 'GET', url: '/api/webhooks', headers: user.headers })).statusCode, 403)
    }
    t.equal((await app.inject({ method: 'GET', url: '/api/webhooks' })).statusCode, 401)

    const invalid = [
      { ...body, events: [] },
      { ...body, events: ['order.deleted'] },
      { ...body, events: ['order.created', 'order.created'] },
      { ...body, extra: 1 },
      { events: ['order.created'] }
    ]
    for (const payload of invalid) {
      const res = await app.inject({ method: 'POST', url: '/api/webhooks', headers: { ...admin.headers, ...json }, payload })
      t.equal(res.statusCode, 400, `400 for ${JSON.stringify(payload)}`)
      t.equal(res.headers['content-type'], 'application/problem+json; charset=utf-8')
    }
    for (const url of ['ftp://example.com/x', 'not a url at all', 'https://user:pw@example.com/x']) {
      const res = await app.inject({ method: 'POST', url: '/api/webhooks', headers: { ...admin.headers, ...json }, payload: { ...body, url } })
      t.equal(res.statusCode, 422, `422 for ${url}`)
      t.equal(res.json().code, 'WEBHOOK_URL_NOT_ALLOWED')
      t.equal(res.json().errors[0].pointer, '/url')
    }

    const created = await app.inject({ method: 'POST', url: '/api/webhooks', headers: { ...admin.headers, ...json }, payload: body })
    t.equal(created.statusCode, 201, created.body)
    const endpoint = created.json()
    t.match(endpoint.secret, /^whsec_[A-Za-z0-9+/]{43}=$/)
    t.equal(Buffer.from(endpoint.secret.slice(6), 'base64').length, 32)
    t.match(endpoint, { url: body.url, events: body.events, description: 'ERP', enabled: true })
    t.equal(created.headers.location, `/api/webhooks/${endpoint.id}`)

    const fetched = await app.inject({ method: 'GET', url: `/api/webhooks/${endpoint.id}`, headers: admin.headers })
    t.equal(fetched.statusCode, 200)
    t.notOk('secret' in fetched.json(), 'the secret is not shown again')
    t.equal(fetched.headers.etag, created.headers.etag)
    const list = await app.inject({ method: 'GET', url: '/api/webhooks?limit=1', headers: admin.headers })
    t.equal(list.statusCode, 200)
    t.equal(list.json().data.length, 1)
    t.notOk('secret' in list.json().data[0])
    t.equal(list.json().next_cursor, null)

    const stale = await app.inject({ method: 'PATCH', url: `/api/webhooks/${endpoint.id}`, headers: { ...admin.headers, ...json, 'if-match': '"nope"' }, payload: { enabled: false } })
    t.equal(stale.statusCode, 412)
    const patched = await app.inject({ method: 'PATCH', url: `/api/webhooks/${endpoint.id}`, headers: { ...admin.headers, ...json, 'if-match': String(fetched.headers.etag) }, payload: { enabled: false, events: ['order.created', 'product.out_of_stock'] } })
    t.equal(patched.statusCode, 200, patched.body)
    t.match(patched.json(), { enabled: false, events: ['order.created', 'product.out_of_stock'] })
    t.not(patched.headers.etag, fetched.headers.etag)
    const emptyPatch = await app.inject({ method: 'PATCH', url: `/api/webhooks/${endpoint.id}`, headers: { ...admin.headers, ...json }, payload: {} })
    t.equal(emptyPatch.statusCode, 400)

    const staleRotation = await app.inject({ method: 'POST', url: `/api/webhooks/${endpoint.id}/rotate-secret`, headers: { ...admin.headers, 'if-match': String(fetched.headers.etag) } })
    t.equal(staleRotation.statusCode, 412, 'a rotation with a tag from before the PATCH is refused')
    t.equal(staleRotation.json().code, 'PRECONDITION_FAILED')
    t.equal((await app.db.selectFrom('webhook_endpoints').select('secret').where('id', '=', endpoint.id).executeTakeFirstOrThrow()).secret, endpoint.secret, 'and the secret is kept')
    const rotated = await app.inject({ method: 'POST', url: `/api/webhooks/${endpoint.id}/rotate-secret`, headers: { ...admin.headers, 'if-match': String(patched.headers.etag) } })
    t.equal(rotated.statusCode, 200)
    t.match(rotated.json().secret, /^whsec_/)
    t.not(rotated.json().secret, endpoint.secret)
    const stored = await app.db.selectFrom('webhook_endpoints').select('secret').where('id', '=', endpoint.id).executeTakeFirstOrThrow()
    t.equal(stored.secret, rotated.json().secret)

    const missing = '00000000-0000-4000-8000-000000000000'
    for (const [method, url] of [['GET', `/api/webhooks/${missing}`], ['DELETE', `/api/webhooks/${missing}`], ['POST', `/api/webhooks/${missing}/rotate-secret`],
      ['GET', `/api/webhooks/${missing}/deliveries`], ['POST', `/api/webhooks/${endpoint.id}/deliveries/${missing}/retry`]] as const) {
      const res = await app.inject({ method, url, headers: admin.headers })
      t.equal(res.statusCode, 404, `${method} ${url}`)
    }
    t.equal((await app.inject({ method: 'GET', url: '/api/webhooks/not-a-uuid', headers: admin.headers })).statusCode, 400)

    const deleted = await app.inject({ method: 'DELETE', url: `/api/webhooks/${endpoint.id}`, headers: admin.headers })
    t.equal(deleted.statusCode, 204)
    t.equal((await app.inject({ method: 'GET', url: `/api/webhooks/${endpoint.id}`, headers: admin.headers })).statusCode, 404)
  })

  t.test('in production config an http or private target is refused at creation (422)', async (t) => {
    const app = await buildTestApp(t, { env: { APP_ENV: 'production', LOG_LEVEL: 'silent', MIGRATE_ON_START: 'true' } })
    const admin = await createUser(app, 'admin')
    for (const url of ['http://erp.example.com/hooks', 'https://127.0.0.1/x', 'https://[::1]/x', 'https://169.254.169.254/latest', 'https://10.1.2.3/x', 'https://localhost:8443/x', 'https://[::ffff:192.168.0.1]/x']) {
      const res = await app.inject({ method: 'POST', url: '/api/webhooks', headers: { ...admin.headers, ...json }, payload: { url, events: ['order.created'] } })
      t.equal(res.statusCode, 422, `${url}: ${res.body}`)
      t.equal(res.json().code, 'WEBHOOK_URL_NOT_ALLOWED')
    }
    // A public IP literal: a name would have to resolve, and this machine may have no DNS.
    const ok = await app.inject({ method: 'POST', url: '/api/webhooks', headers: { ...admin.headers, ...json }, payload: { url: 'https://93.184.216.34/hooks', events: ['order.created'] } })
    t.equal(ok.statusCode, 201, ok.body)
    const patched = await app.inject({ method: 'PATCH', url: `/api/webhooks/${ok.json().id}`, headers: { ...admin.headers, ...json }, payload: { url: 'http://93.184.216.34/hooks' } })
    t.equal(patched.statusCode, 422)
  })

  t.test('the webhook operations are in the OpenAPI document with named schemas', async (t) => {
    const app = await buildTestApp(t)
    const doc = (await app.inject({ method: 'GET', url: '/swagger/json' })).json()
    for (const name of ['WebhookEndpoint', 'WebhookEndpointWithSecret', 'WebhookDelivery', 'WebhookAttempt', 'WebhookDeliveryPage', 'WebhookEndpointPage']) {
      t.ok(doc.components.schemas[name], `components.schemas.${name}`)
    }
    t.ok(doc.paths['/api/webhooks'].post)
    t.ok(doc.paths['/api/webhooks/{id}/deliveries/{delivery_id}/retry'].post)
    t.equal(doc.paths['/api/webhooks/{id}'].get.responses['200'].content['application/json'].schema.$ref, '#/components/schemas/WebhookEndpoint')
  })
})
