import { suite } from '../../helpers/suite.js'
import { TEST_JWT_SECRET } from '../../helpers/app.js'
import { createTestDatabase } from '../../helpers/database.js'
import { startServer } from '../../helpers/server-process.js'
import { waitFor } from '../../helpers/wait.js'
import { FAST_WEBHOOKS } from './fixtures.js'
import { startReceiver, verified } from './receiver.js'

export default suite(import.meta, (t) => {
// Compiling the server and booting it twice takes a while on a busy machine.
  t.setTimeout(300_000)

  const ADMIN = { email: 'crash-admin@example.com', password: 'crash-admin-password-0123' }

  async function call (port: number, method: string, path: string, token: string | null, body?: unknown): Promise<{ status: number, json: Record<string, unknown> }> {
    const res = await fetch(`http://127.0.0.1:${port}${path}`, {
      method,
      headers: { ...(token !== null ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {})
    })
    const text = await res.text()
    return { status: res.status, json: text === '' ? {} : JSON.parse(text) }
  }

  async function login (port: number, email: string, password: string): Promise<string> {
    const res = await call(port, 'POST', '/login', null, { email, password })
    if (res.status !== 200) throw new Error(`login failed: ${res.status} ${JSON.stringify(res.json)}`)
    return String(res.json.access_token)
  }

  t.test('an order committed by a process killed (SIGKILL) before delivery is delivered after the restart', async (t) => {
    // A file-backed database on both engines (embedded: a copy of the migrated template), so it outlives the kill.
    const database = (await createTestDatabase(t)).env
    const env = {
      APP_ENV: 'test',
      LOG_LEVEL: 'warn',
      JWT_SECRET: TEST_JWT_SECRET,
      ADMIN_EMAIL: ADMIN.email,
      ADMIN_PASSWORD: ADMIN.password,
      RATE_LIMIT_MAX: '100000',
      RATE_LIMIT_AUTH_MAX: '100000',
      ...FAST_WEBHOOKS,
      ...database
    }
    const receiver = await startReceiver(t)

    // First life: no worker, so nothing is delivered before the kill.
    const first = await startServer(t, { ...env, WEBHOOK_WORKER: 'false' })
    const admin = await login(first.port, ADMIN.email, ADMIN.password)
    const endpoint = await call(first.port, 'POST', '/api/webhooks', admin, { url: receiver.url, events: ['order.created'] })
    t.equal(endpoint.status, 201)
    const product = await call(first.port, 'POST', '/api/products', admin, { sku: 'CRASH-1', name: 'Crash test', price_cents: 100, stock: 5 })
    t.equal(product.status, 201)
    const email = 'crash-customer@example.com'
    t.equal((await call(first.port, 'POST', '/register', null, { email, password: 'a-long-enough-passphrase-42' })).status, 201)
    const customer = await login(first.port, email, 'a-long-enough-passphrase-42')
    const order = await call(first.port, 'POST', '/api/orders', customer, { items: [{ product_id: product.json.id, quantity: 1 }] })
    t.equal(order.status, 201)
    first.child.kill('SIGKILL')
    t.equal(await first.exited, null, 'killed, not exited')
    t.equal(receiver.received.length, 0, 'nothing was delivered before the kill')

    // Second life: the worker finds the committed event in the outbox.
    await startServer(t, env)
    await waitFor('the delivery after the restart', async () => receiver.received.length > 0 ? true : undefined, { timeoutMs: 60_000 })
    const event = verified(String(endpoint.json.secret), receiver.received[0] ?? { path: '', headers: {}, body: '' })
    t.equal(event.type, 'order.created')
    t.equal(event.data.id, order.json.id)
  })
})
