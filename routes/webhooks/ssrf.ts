import { lookup as dnsLookup, type LookupAddress } from 'node:dns'
import net from 'node:net'

/**
 * Addresses a webhook may never reach when the guard is on: loopback, private (RFC 1918,
 * unique local), link-local (incl. the cloud metadata 169.254.169.254 and fd00:ec2::254),
 * CGNAT, unspecified, multicast and reserved ranges. IPv4-mapped IPv6 addresses
 * (::ffff:10.0.0.1) are checked against the IPv4 rules by BlockList itself.
 */
const BLOCKED = new net.BlockList()
for (const [network, prefix] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.0.2.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['198.51.100.0', 24], ['203.0.113.0', 24],
  ['224.0.0.0', 4], ['240.0.0.0', 4]
] as const) BLOCKED.addSubnet(network, prefix, 'ipv4')
for (const [network, prefix] of [
  ['::', 128], ['::1', 128], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8], ['64:ff9b::', 96], ['100::', 64], ['2001:db8::', 32]
] as const) BLOCKED.addSubnet(network, prefix, 'ipv6')

/** True when `address` (an IP literal) is one a webhook must not be sent to. Not an IP at all: blocked. */
export function isBlockedAddress (address: string): boolean {
  const family = net.isIP(address)
  if (family === 0) return true
  return BLOCKED.check(address, family === 4 ? 'ipv4' : 'ipv6')
}

export class BlockedTargetError extends Error {
  readonly code = 'EWEBHOOKTARGET'
  constructor (detail: string) {
    super(detail)
    this.name = 'BlockedTargetError'
  }
}

/** The host of a URL as a bare name or IP (URL keeps IPv6 literals in brackets). */
export const hostOf = (url: URL): string => url.hostname.replace(/^\[(.*)\]$/, '$1')

/**
 * Checks a target URL's shape when an endpoint is created or changed. Returns why it is
 * refused, or null. With the guard on (production default), only https, and a host that is
 * not a blocked IP literal or `localhost`; names are resolved and checked at each delivery.
 */
export function targetUrlProblem (raw: string, allowPrivateTargets: boolean): string | null {
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    return 'is not an absolute URL'
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'must be an http(s) URL'
  if (url.username !== '' || url.password !== '') return 'must not contain credentials'
  if (url.hash !== '') return 'must not contain a fragment'
  if (allowPrivateTargets) return null
  if (url.protocol !== 'https:') return 'must use https'
  const host = hostOf(url).toLowerCase()
  if (host === 'localhost' || host.endsWith('.localhost')) return 'must not point at this host'
  if (net.isIP(host) !== 0 && isBlockedAddress(host)) return 'must not point at a loopback, private, link-local or metadata address'
  return null
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void

/**
 * A `lookup` for http(s).request that resolves every address of the host and refuses the
 * connection when any of them is blocked. The socket then connects to the address checked
 * here, so a DNS answer that changes between a check and the connect (rebinding) cannot
 * slip through.
 */
export function guardedLookup (hostname: string, options: { all?: boolean }, callback: LookupCallback): void {
  dnsLookup(hostname, { all: true }, (error, addresses) => {
    if (error !== null) { callback(error, []); return }
    const blocked = addresses.find((entry) => isBlockedAddress(entry.address))
    if (blocked !== undefined || addresses.length === 0) {
      callback(new BlockedTargetError(`${hostname} resolves to a blocked address${blocked === undefined ? '' : ` (${blocked.address})`}`), [])
      return
    }
    if (options.all === true) { callback(null, addresses); return }
    const first = addresses[0] as LookupAddress
    callback(null, first.address, first.family)
  })
}
