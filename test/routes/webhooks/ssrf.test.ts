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
