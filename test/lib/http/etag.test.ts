import { connect } from 'node:net'
import type { FastifyInstance } from 'fastify'
import { suite } from '../../helpers/suite.js'
import { createUser } from '../../helpers/users.js'
import { buildOrdersApp, insertProduct, postOrder } from '../../routes/orders/fixtures/orders.js'
import { createEndpoint } from '../../routes/webhooks/fixtures.js'

interface RawResponse { status: number, headers: Map<string, string>, body: string }

/** One GET over a raw socket, read until the server closes it (Connection: close; the client does not half-close first): the bytes on the wire, not what a client library makes of them. */
async function rawGet (app: FastifyInstance, path: string, headers: Record<string, string>): Promise<RawResponse> {
  const address = app.server.address()
  if (address === null || typeof address === 'string') throw new Error('the app is not listening on TCP')
  const lines = [`GET ${path} HTTP/1.1`, 'Host: localhost', 'Connection: close', ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`)]
  const text = await new Promise<string>((resolve, reject) => {
    const chunks: Buffer[] = []
    const socket = connect(address.port, '127.0.0.1', () => { socket.write(`${lines.join('\r\n')}\r\n\r\n`) })
    socket.on('data', (chunk) => chunks.push(chunk))
    socket.on('error', reject)
    socket.on('close', () => { resolve(Buffer.concat(chunks).toString('latin1')) })
  })
  const split = text.indexOf('\r\n\r\n')
  const [statusLine = '', ...headerLines] = text.slice(0, split).split('\r\n')
  const parsed = new Map(headerLines.map((line) => {
    const colon = line.indexOf(':')
    return [line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim()]
  }))
  return { status: Number(statusLine.split(' ')[1]), headers: parsed, body: text.slice(split + 4) }
}

export default suite(import.meta, async (t) => {
  const app = await buildOrdersApp(t)
  await app.listen({ port: 0, host: '127.0.0.1' })
  const admin = await createUser(app, 'admin')
  const customer = await createUser(app, 'customer')
  const product = await insertProduct(app, { stock: 5 })
  const order = await postOrder(app, customer, { items: [{ product_id: product.id, quantity: 1 }] })
  t.equal(order.statusCode, 201)
  const endpoint = await createEndpoint(app, admin, 'http://127.0.0.1:9/hook')

  const resources = {
    product: `/api/products/${product.id}`,
    customer: `/api/customers/${customer.customerId ?? ''}`,
    order: `/api/orders/${String(order.json().id)}`,
    'webhook endpoint': `/api/webhooks/${endpoint.id}`
  }
  const auth = { authorization: String(admin.headers.authorization) }

  for (const [name, path] of Object.entries(resources)) {
    t.test(`${name}: a stale If-None-Match gets the resource with its ETag`, async (t) => {
      const res = await rawGet(app, path, { ...auth, 'If-None-Match': '"999999"' })
      t.equal(res.status, 200)
      t.match(res.headers.get('etag'), /^"\d+"$/)
      t.match(res.headers.get('content-type'), /^application\/json/)
      t.ok(res.body.length > 0, 'a body')
    })

    t.test(`${name}: a matching If-None-Match gets 304 with the ETag and no body headers`, async (t) => {
      const first = await rawGet(app, path, auth)
      t.equal(first.status, 200)
      const etag = first.headers.get('etag') ?? ''
      for (const ifNoneMatch of [etag, `"0", ${etag}`, `W/${etag}`, '*']) {
        const res = await rawGet(app, path, { ...auth, 'If-None-Match': ifNoneMatch })
        t.equal(res.status, 304, `If-None-Match: ${ifNoneMatch}`)
        t.equal(res.headers.get('etag'), etag)
        t.notOk(res.headers.has('content-length'), 'no Content-Length')
        t.notOk(res.headers.has('content-type'), 'no Content-Type')
        t.notOk(res.headers.has('transfer-encoding'), 'no Transfer-Encoding')
        t.equal(res.body, '', 'no body bytes')
        t.ok(res.headers.has('x-request-id'), 'the cross-cutting headers stay')
      }
    })
  }

  t.test('If-Match compares strongly: a weak tag of the current state never matches (RFC 9110 §13.1.1), nothing is written', async (t) => {
    const writes = {
      product: { method: 'PATCH', payload: { stock: 4 } },
      customer: { method: 'PATCH', payload: { first_name: 'Weak' } },
      'webhook endpoint': { method: 'PATCH', payload: { description: 'weak' } }
    } as const
    for (const [name, { method, payload }] of Object.entries(writes)) {
      const path = resources[name as keyof typeof writes]
      const etag = (await rawGet(app, path, auth)).headers.get('etag') ?? ''
      for (const ifMatch of [`W/${etag}`, `"0", W/${etag}`]) {
        const res = await app.inject({ method, url: path, headers: { ...admin.headers, 'if-match': ifMatch }, payload })
        t.equal(res.statusCode, 412, `${name}: If-Match: ${ifMatch}`)
        t.equal(res.json().code, 'PRECONDITION_FAILED')
      }
      t.equal((await rawGet(app, path, auth)).headers.get('etag'), etag, `${name}: unchanged`)
      const strong = await app.inject({ method, url: path, headers: { ...admin.headers, 'if-match': `W/"0", ${etag}` }, payload })
      t.equal(strong.statusCode, 200, `${name}: the strong tag in the same list passes`)
    }
    const transition = await app.inject({ method: 'POST', url: `${resources.order}/transitions`, headers: { ...admin.headers, 'if-match': `W/${(await rawGet(app, resources.order, auth)).headers.get('etag') ?? ''}` }, payload: { status: 'paid' } })
    t.equal(transition.statusCode, 412, 'order transition: a weak tag fails too')
  })

  t.test('webhook endpoint: a change moves the ETag, so the old one gets 200 again', async (t) => {
    const path = resources['webhook endpoint']
    const before = await rawGet(app, path, auth)
    const patched = await app.inject({ method: 'PATCH', url: path, headers: admin.headers, payload: { enabled: false } })
    t.equal(patched.statusCode, 200)
    const after = await rawGet(app, path, { ...auth, 'If-None-Match': before.headers.get('etag') ?? '' })
    t.equal(after.status, 200)
    t.not(after.headers.get('etag'), before.headers.get('etag'))
  })
  t.test('If-None-Match on a write: `*` or a tag of the current state is 412 and writes nothing; another tag writes', async (t) => {
    for (const [name, method, payload] of [['product', 'PATCH', { stock: 3 }], ['customer', 'PATCH', { first_name: 'Guarded' }], ['webhook endpoint', 'DELETE', undefined]] as const) {
      const path = resources[name]
      const etag = (await rawGet(app, path, auth)).headers.get('etag') ?? ''
      for (const ifNoneMatch of ['*', etag, `W/${etag}`, `"0", ${etag}`]) {
        const res = await app.inject({ method, url: path, headers: { ...admin.headers, 'if-none-match': ifNoneMatch }, ...(payload === undefined ? {} : { payload }) })
        t.equal(res.statusCode, 412, `${name} ${method}: If-None-Match: ${ifNoneMatch}`)
        t.equal(res.json().code, 'PRECONDITION_FAILED')
      }
      t.equal((await rawGet(app, path, auth)).headers.get('etag'), etag, `${name}: unchanged`)
    }
    const written = await app.inject({ method: 'PATCH', url: resources.product, headers: { ...admin.headers, 'if-none-match': '"0"' }, payload: { stock: 3 } })
    t.equal(written.statusCode, 200, 'a tag the resource no longer has: written')
  })

  t.test('an order names its view in the tag: a customer is shown fewer allowed_transitions than staff', async (t) => {
    const path = resources.order
    const mine = await rawGet(app, path, { authorization: String(customer.headers.authorization) })
    const staffView = await rawGet(app, path, auth)
    t.same(JSON.parse(mine.body).allowed_transitions, ['cancelled'])
    t.same(JSON.parse(staffView.body).allowed_transitions, ['paid', 'cancelled'])
    const customerTag = mine.headers.get('etag') ?? ''
    const staffTag = staffView.headers.get('etag') ?? ''
    t.match(customerTag, /^"\d+\.customer"$/)
    t.match(staffTag, /^"\d+"$/)
    t.equal((await rawGet(app, path, { ...auth, 'If-None-Match': customerTag })).status, 200, 'staff holding the customer\'s copy get their own')
    t.equal((await rawGet(app, path, { authorization: String(customer.headers.authorization), 'If-None-Match': staffTag })).status, 200, 'and the other way round')
    t.equal((await rawGet(app, path, { authorization: String(customer.headers.authorization), 'If-None-Match': customerTag })).status, 304)
    const cancelled = await app.inject({ method: 'POST', url: `${path}/transitions`, headers: { ...customer.headers, 'if-match': customerTag }, payload: { status: 'cancelled' } })
    t.equal(cancelled.statusCode, 200, 'If-Match compares the state: the customer\'s tag of it passes')
    t.match(cancelled.headers.etag, /^"\d+\.customer"$/, 'the transition answers with the caller\'s view')
    t.not(cancelled.headers.etag, customerTag)
  })
})
