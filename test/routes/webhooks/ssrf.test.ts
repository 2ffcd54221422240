import { readFileSync } from 'node:fs'
import type { FastifyInstance } from 'fastify'
import { suite } from '../../helpers/suite.js'
import { createUser } from '../../helpers/users.js'
import { waitFor } from '../../helpers/wait.js'
import { sendWebhook } from '../../../routes/webhooks/sender.js'
import { newSecret } from '../../../routes/webhooks/signature.js'
import { endpointUrlProblem, guardedLookup, isBlockedAddress, resolvedTargetProblem, targetUrlProblem, type ResolveAll } from '../../../routes/webhooks/ssrf.js'
import { buildOrdersApp, insertProduct, postOrder } from '../orders/fixtures/orders.js'
import { deliveriesOf, FAST_WEBHOOKS, firstDeliveryIn } from './fixtures.js'
import { startReceiver } from './receiver.js'

/** The guard on, as in production (APP_ENV=test keeps the test database setup). */
const GUARDED = { WEBHOOK_ALLOW_PRIVATE_TARGETS: 'false' }

/** A name under the reserved .invalid TLD (RFC 6761): it never resolves. */
const UNRESOLVABLE = 'goshop-webhook-target.invalid'
/** How a refusal of UNRESOLVABLE reads: NXDOMAIN, or, where the machine's DNS is slow or away, a lookup that failed or timed out: refused all the same. */
const NOT_RESOLVED = /goshop-webhook-target\.invalid|does not resolve|could not be resolved|did not resolve/

/**
 * A name /etc/hosts maps to a loopback address other than localhost (refused by name before
 * any lookup): `vm` on some machines, `ip6-localhost` on Debian. Undefined when there is none.
 */
function loopbackAlias (): string | undefined {
  let hosts: string
  try {
    hosts = readFileSync('/etc/hosts', 'utf8')
  } catch {
    return undefined
  }
  for (const line of hosts.split('\n')) {
    const [address, ...names] = line.replace(/#.*/, '').trim().split(/\s+/)
    if (address === undefined || !(address.startsWith('127.') || address === '::1')) continue
    const alias = names.find((name) => name !== 'localhost' && !name.endsWith('.localhost'))
    if (alias !== undefined) return alias
  }
  return undefined
}

const resolvingTo = (...addresses: string[]): ResolveAll => async () => addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }))
const failingWith = (code: string): ResolveAll => async (hostname) => { throw Object.assign(new Error(`getaddrinfo ${code} ${hostname}`), { code }) }

async function endpointCount (app: FastifyInstance): Promise<number> {
  const row = await app.db.selectFrom('webhook_endpoints').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()
  return Number(row.n)
}

export default suite(import.meta, (t) => {
  t.test('blocked addresses: loopback, private, link-local, metadata, CGNAT, unspecified; public ones pass', async (t) => {
    const blocked = ['127.0.0.1', '127.5.6.7', '10.0.0.1', '172.16.0.1', '172.31.255.255', '192.168.1.1', '169.254.169.254', '169.254.1.1',
      '100.64.0.1', '0.0.0.0', '::', '::1', 'fc00::1', 'fd00:ec2::254', 'fe80::1', '::ffff:127.0.0.1', '::ffff:10.0.0.1', '224.0.0.1', 'not-an-ip']
    for (const address of blocked) t.ok(isBlockedAddress(address), `${address} is blocked`)
    for (const address of ['93.184.216.34', '8.8.8.8', '172.32.0.1', '100.128.0.1', '2606:4700:4700::1111', '::ffff:8.8.8.8']) {
      t.notOk(isBlockedAddress(address), `${address} is allowed`)
    }
  })

  t.test('every IANA special-purpose range is blocked; IPv6 forms of an IPv4 address are judged by that address', async (t) => {
    const blocked: Array<[string, string]> = [
      ['0.1.2.3', '"this network" 0.0.0.0/8'], ['192.0.0.8', 'IETF protocol assignments 192.0.0.0/24'], ['192.0.2.10', 'TEST-NET-1'],
      ['192.31.196.1', 'AS112-v4'], ['192.52.193.1', 'AMT'], ['192.88.99.1', '6to4 relay anycast'], ['192.175.48.1', 'AS112 direct delegation'],
      ['198.19.255.255', 'benchmarking 198.18.0.0/15'], ['198.51.100.7', 'TEST-NET-2'], ['203.0.113.9', 'TEST-NET-3'],
      ['240.0.0.1', 'reserved 240.0.0.0/4'], ['255.255.255.255', 'limited broadcast'],
      ['::7f00:1', 'IPv4-compatible ::/96 (deprecated), even of a public address: ::8.8.8.8'], ['::8.8.8.8', 'IPv4-compatible ::/96'],
      ['::ffff:7f00:1', 'IPv4-mapped loopback in hex'], ['::ffff:169.254.169.254', 'IPv4-mapped metadata'], ['::ffff:0:0', 'IPv4-mapped 0.0.0.0'],
      ['64:ff9b::127.0.0.1', 'NAT64 of loopback'], ['64:ff9b::a9fe:a9fe', 'NAT64 of the metadata address'], ['64:ff9b:1::8.8.8.8', 'NAT64 local use 64:ff9b:1::/48'],
      ['2002:7f00:1::1', '6to4 of 127.0.0.1'], ['2002:c0a8:101::', '6to4 of 192.168.1.1'], ['2002:a9fe:a9fe::1', '6to4 of 169.254.169.254'],
      ['100::1', 'discard-only 100::/64'], ['100:0:0:1::1', 'dummy prefix 100:0:0:1::/64'], ['2001::1', 'Teredo (inside 2001::/23)'], ['2001:2::1', 'benchmarking 2001:2::/48'],
      ['2001:10::1', 'ORCHID'], ['2001:db8::1', 'documentation 2001:db8::/32'], ['2620:4f:8000::1', 'AS112-v6'], ['3fff::1', 'documentation 3fff::/20'],
      ['5f00::1', 'SRv6 SIDs 5f00::/16'], ['fec0::1', 'site-local fec0::/10 (deprecated)'], ['feff::1', 'site-local, top of the range'], ['ff02::1', 'multicast'],
      ['fe80::1%eth0', 'link-local with a zone index']
    ]
    for (const [address, why] of blocked) t.ok(isBlockedAddress(address), `${address} is blocked: ${why}`)
    const allowed: Array<[string, string]> = [
      ['64:ff9b::8.8.8.8', 'NAT64 of a public address'], ['64:ff9b::5db8:d822', 'NAT64 of 93.184.216.34 in hex'], ['::ffff:5db8:d822', 'IPv4-mapped public in hex'],
      ['2002:808:808::1', '6to4 of 8.8.8.8'], ['2001:4860:4860::8888', 'public unicast outside 2001::/23'], ['2a00:1450:4001::1', 'public unicast'],
      ['192.0.1.1', 'next to 192.0.0.0/24'], ['198.20.0.1', 'just past benchmarking'], ['223.255.255.255', 'just below multicast']
    ]
    for (const [address, why] of allowed) t.notOk(isBlockedAddress(address), `${address} is allowed: ${why}`)
    t.match(targetUrlProblem('https://[64:ff9b::a9fe:a9fe]/latest', false), /metadata/, 'a NAT64 literal of the metadata address is refused when the endpoint is saved')
    t.match(targetUrlProblem('https://[2002:a00:1::]/', false), /private/, 'a 6to4 literal of 10.0.0.1 too')
  })

  t.test('target URLs: shape always, https and no private literal when guarded', async (t) => {
    t.equal(targetUrlProblem('https://example.com/hook', false), null)
    t.equal(targetUrlProblem('http://127.0.0.1:3000/hook', true), null, 'the guard lifted: local http is fine')
    t.equal(targetUrlProblem('http://example.com/hook', false), 'must use https')
    t.match(targetUrlProblem('https://169.254.169.254/latest/meta-data', false), /metadata/)
    t.match(targetUrlProblem('https://[fd00:ec2::254]/', false), /metadata/)
    t.match(targetUrlProblem('https://localhost/', false), /this host/)
    t.match(targetUrlProblem('https://localhost./h', false), /this host/, 'the root\'s trailing dot changes nothing')
    t.match(targetUrlProblem('https://API.Localhost./h', false), /this host/)
    t.equal(targetUrlProblem('gopher://example.com', true), 'must be an http(s) URL')
    t.equal(targetUrlProblem('https://a:b@example.com', true), 'must not contain credentials')
    t.equal(targetUrlProblem('/relative', true), 'is not an absolute URL')
  })

  t.test('a resolved name is refused when any address is blocked, when it has none, or when it does not resolve', async (t) => {
    t.match(await resolvedTargetProblem('metadata.google.internal', { resolve: resolvingTo('169.254.169.254') }),
      /metadata address: metadata.google.internal resolves to a blocked address \(169\.254\.169\.254\)/)
    t.match(await resolvedTargetProblem('split.example', { resolve: resolvingTo('93.184.216.34', '10.0.0.7') }), /\(10\.0\.0\.7\)/, 'one private address among public ones is enough')
    t.match(await resolvedTargetProblem('mapped.example', { resolve: resolvingTo('::ffff:127.0.0.1') }), /blocked address \(::ffff:127\.0\.0\.1\)/)
    t.match(await resolvedTargetProblem('empty.example', { resolve: resolvingTo() }), /empty.example resolves to a blocked address$/)
    t.equal(await resolvedTargetProblem('gone.example', { resolve: failingWith('ENOTFOUND') }), 'has a host name that does not resolve (gone.example), so it could never receive a webhook')
    t.match(await resolvedTargetProblem('flaky.example', { resolve: failingWith('EAI_AGAIN') }), /could not be resolved \(flaky.example: EAI_AGAIN\): try again later/)
    t.match(await resolvedTargetProblem('slow.example', { resolve: async () => await new Promise(() => {}), timeoutMs: 10 }), /did not resolve within 10 ms \(slow.example\)/)
    t.equal(await resolvedTargetProblem('public.example', { resolve: resolvingTo('93.184.216.34', '2606:4700:4700::1111') }), null, 'public addresses only: allowed')
  })

  t.test('through the system resolver: localhost is loopback, a .invalid name does not resolve', async (t) => {
    t.match(await resolvedTargetProblem('localhost'), /localhost resolves to a blocked address \((127\.0\.0\.1|::1)\)/)
    t.match(await resolvedTargetProblem(UNRESOLVABLE), NOT_RESOLVED)
    t.match(await endpointUrlProblem(`https://${UNRESOLVABLE}/hook`, false), NOT_RESOLVED)
    t.equal(await endpointUrlProblem(`https://${UNRESOLVABLE}/hook`, true), null, 'the guard lifted: no lookup')
    t.equal(await endpointUrlProblem('https://93.184.216.34/hook', false), null, 'a public IP literal needs no lookup')
    t.equal(await endpointUrlProblem('http://93.184.216.34/hook', false), 'must use https', 'the shape is checked first')
  })

  t.test('guarded: registration and a PATCH of the url refuse names that resolve to blocked addresses or not at all; nothing is stored', async (t) => {
    const app = await buildOrdersApp(t, { env: { ...GUARDED, WEBHOOK_WORKER: 'false' } })
    const admin = await createUser(app, 'admin')
    const alias = loopbackAlias()
    if (alias === undefined) t.comment('no loopback alias in /etc/hosts: the resolved-to-loopback case is covered by the unit tests above')
    const refused: Array<[string, RegExp]> = [
      ['https://localhost./h', /this host/],
      ['https://api.localhost./h', /this host/],
      [`https://${UNRESOLVABLE}/hook`, NOT_RESOLVED],
      // Link-local where it resolves (GCP), unresolvable elsewhere: refused either way.
      ['https://metadata.google.internal/computeMetadata/v1/', /metadata.google.internal/],
      ...(alias === undefined ? [] : [[`https://${alias}:18097/hook`, new RegExp(`${alias} resolves to a blocked address`)] satisfies [string, RegExp]])
    ]
    for (const [url, detail] of refused) {
      const res = await app.inject({ method: 'POST', url: '/api/webhooks', headers: admin.headers, payload: { url, events: ['order.created'] } })
      t.equal(res.statusCode, 422, `POST ${url}: ${res.body}`)
      t.match(res.json(), { code: 'WEBHOOK_URL_NOT_ALLOWED', errors: [{ pointer: '/url', in: 'body', detail }] }, `POST ${url}`)
    }
    t.equal(await endpointCount(app), 0, 'no endpoint was stored')

    const created = await app.inject({ method: 'POST', url: '/api/webhooks', headers: admin.headers, payload: { url: 'https://93.184.216.34/hook', events: ['order.created'] } })
    t.equal(created.statusCode, 201, created.body)
    const path = `/api/webhooks/${String(created.json().id)}`
    for (const [url, detail] of refused) {
      const res = await app.inject({ method: 'PATCH', url: path, headers: admin.headers, payload: { url } })
      t.equal(res.statusCode, 422, `PATCH ${url}: ${res.body}`)
      t.match(res.json(), { code: 'WEBHOOK_URL_NOT_ALLOWED', errors: [{ pointer: '/url', detail }] }, `PATCH ${url}`)
    }
    const current = await app.inject({ method: 'GET', url: path, headers: admin.headers })
    t.match(current.json(), { url: 'https://93.184.216.34/hook' }, 'the stored url is unchanged')
    t.equal(current.headers.etag, created.headers.etag, 'and so is its version')
  })

  t.test('guarded: a delivery to a target the guard refuses fails at its first attempt; a DNS failure is retried', async (t) => {
    const app = await buildOrdersApp(t, { env: { ...FAST_WEBHOOKS, ...GUARDED } })
    const admin = await createUser(app, 'admin')
    const customer = await createUser(app, 'customer')
    const receiver = await startReceiver(t)
    // Inserted past the API, like an endpoint whose name has come to resolve to a private address since it was registered.
    const insert = async (url: string): Promise<string> => (await app.db.insertInto('webhook_endpoints')
      .values({ url, events: JSON.stringify(['order.created']), secret: newSecret() })
      .returning('id')
      .executeTakeFirstOrThrow()).id
    const blockedName = await insert(`https://localhost:${receiver.port}/hooks`)
    const blockedLiteral = await insert(`https://127.0.0.1:${receiver.port}/hooks`)
    const plainHttp = await insert(`http://localhost:${receiver.port}/hooks`)
    const unresolvable = await insert(`https://${UNRESOLVABLE}/hooks`)
    const product = await insertProduct(app)
    t.equal((await postOrder(app, customer, { items: [{ product_id: product.id, quantity: 1 }] })).statusCode, 201)

    const retried = await waitFor('the unresolvable target to be retried', async () => {
      const [delivery] = await deliveriesOf(app, admin, unresolvable)
      return delivery !== undefined && delivery.attempts >= 3 ? delivery : undefined
    })
    t.equal(retried.status, 'pending', 'a DNS failure is not permanent')
    t.match(retried.last_error, /ENOTFOUND|EAI_AGAIN/)

    const expected: Array<[string, RegExp]> = [
      [blockedName, /^localhost resolves to a blocked address \((127\.0\.0\.1|::1)\)$/],
      [blockedLiteral, /^127\.0\.0\.1 is a blocked address$/],
      [plainHttp, /^target must use https$/]
    ]
    for (const [id, reason] of expected) {
      const failed = await firstDeliveryIn(app, admin, id, 'failed')
      t.match(failed, { status: 'failed', attempts: 1, next_attempt_at: null, last_response_status: null, last_error: reason }, `failed with ${String(reason)}`)
      t.equal(failed.attempt_log.length, 1, 'one attempt, not retried')
      t.match(failed.attempt_log[0], { outcome: 'failed', error: reason })
    }
    t.equal(receiver.received.length, 0, 'nothing reached the receiver')
  })

  t.test('the guarded lookup refuses a name that resolves to a blocked address', async (t) => {
    const error = await new Promise<Error | null>((resolve) => { guardedLookup('localhost', {}, (err) => { resolve(err) }) })
    t.match(error?.message, /localhost resolves to a blocked address/)
  })

  t.test('with the guard on, delivery to http, a private literal or a private name is refused before connecting', async (t) => {
    const receiver = await startReceiver(t)
    const options = { timeoutMs: 5000, allowPrivateTargets: false, userAgent: 'test' }
    const http = await sendWebhook(receiver.url, {}, '{}', options)
    t.match(http, { ok: false, status: null, error: 'target must use https', permanent: true })
    const literal = await sendWebhook(`https://127.0.0.1:${receiver.port}/hooks`, {}, '{}', options)
    t.match(literal, { ok: false, error: /blocked address/, permanent: true })
    const named = await sendWebhook(`https://localhost:${receiver.port}/hooks`, {}, '{}', options)
    t.match(named, { ok: false, error: /resolves to a blocked address/, permanent: true })
    const unresolvable = await sendWebhook(`https://${UNRESOLVABLE}/hooks`, {}, '{}', options)
    t.match(unresolvable, { ok: false, error: /ENOTFOUND|EAI_AGAIN/, permanent: false }, 'a DNS failure is not the guard\'s refusal')
    t.equal(receiver.received.length, 0, 'nothing reached the receiver')
    const lifted = await sendWebhook(receiver.url, {}, '{}', { ...options, allowPrivateTargets: true })
    t.match(lifted, { ok: true, status: 200, error: null, permanent: false })
    t.equal(receiver.received.length, 1)
  })
})
