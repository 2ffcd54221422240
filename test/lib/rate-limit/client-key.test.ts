import { suite } from '../../helpers/suite.js'
import { clientKey, NO_ADDRESS_KEY } from '../../../lib/rate-limit/client-key.js'

export default suite(import.meta, (t) => {
  t.test('a request without an address (its socket already destroyed) gets the shared key instead of a TypeError', async (t) => {
    t.equal(clientKey({}), NO_ADDRESS_KEY)
    t.equal(clientKey({ ip: undefined }), NO_ADDRESS_KEY)
    t.equal(clientKey({ ip: '' }), NO_ADDRESS_KEY)
  })

  t.test('addresses are keyed as the plugin keys them: IPv4 as is, IPv6 by /64, IPv4-mapped as IPv4', async (t) => {
    t.equal(clientKey({ ip: '203.0.113.7' }), '203.0.113.7')
    t.equal(clientKey({ ip: '2001:db8:1:2:aaaa::1' }), '2001:db8:1:2::')
    t.equal(clientKey({ ip: '2001:db8:1:2:bbbb::9' }), clientKey({ ip: '2001:db8:1:2:aaaa::1' }), 'one /64 is one client')
    t.equal(clientKey({ ip: '::ffff:203.0.113.7' }), '203.0.113.7')
  })
})
