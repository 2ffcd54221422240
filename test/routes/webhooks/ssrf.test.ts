import { suite } from '../../helpers/suite.js'
import { sendWebhook } from '../../../routes/webhooks/sender.js'
import { guardedLookup, isBlockedAddress, targetUrlProblem } from '../../../routes/webhooks/ssrf.js'
import { startReceiver } from './receiver.js'

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
    t.equal(targetUrlProblem('gopher://example.com', true), 'must be an http(s) URL')
    t.equal(targetUrlProblem('https://a:b@example.com', true), 'must not contain credentials')
    t.equal(targetUrlProblem('/relative', true), 'is not an absolute URL')
  })

  t.test('the guarded lookup refuses a name that resolves to a blocked address', async (t) => {
    const error = await new Promise<Error | null>((resolve) => { guardedLookup('localhost', {}, (err) => { resolve(err) }) })
    t.match(error?.message, /localhost resolves to a blocked address/)
  })

  t.test('with the guard on, delivery to http, a private literal or a private name is refused before connecting', async (t) => {
    const receiver = await startReceiver(t)
    const options = { timeoutMs: 5000, allowPrivateTargets: false, userAgent: 'test' }
    const http = await sendWebhook(receiver.url, {}, '{}', options)
    t.match(http, { ok: false, status: null, error: 'target must use https' })
    const literal = await sendWebhook(`https://127.0.0.1:${receiver.port}/hooks`, {}, '{}', options)
    t.match(literal, { ok: false, error: /blocked address/ })
    const named = await sendWebhook(`https://localhost:${receiver.port}/hooks`, {}, '{}', options)
    t.match(named, { ok: false, error: /resolves to a blocked address/ })
    t.equal(receiver.received.length, 0, 'nothing reached the receiver')
    const lifted = await sendWebhook(receiver.url, {}, '{}', { ...options, allowPrivateTargets: true })
    t.match(lifted, { ok: true, status: 200, error: null })
    t.equal(receiver.received.length, 1)
  })
})
