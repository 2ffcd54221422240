import { lookup as dnsLookup, promises as dnsPromises, type LookupAddress } from 'node:dns'
import net from 'node:net'
import { Address6 } from 'ip-address'
import { DeadlineError, withDeadline } from '../../lib/deadline.js'

/**
 * Addresses a webhook may never reach when the guard is on: every range of the IANA IPv4 and
 * IPv6 special-purpose address registries that is not a plain global unicast address
 * (loopback, private, unique local, link-local incl. the cloud metadata 169.254.169.254 and
 * fd00:ec2::254, CGNAT, unspecified, documentation, benchmarking, multicast, reserved, AS112,
 * deprecated site-local and IPv4-compatible addresses, NAT64 local use, SRv6 SIDs...).
 */
const BLOCKED_V4 = new net.BlockList()
for (const [network, prefix] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.0.2.0', 24], ['192.31.196.0', 24], ['192.52.193.0', 24], ['192.88.99.0', 24], ['192.168.0.0', 16],
  ['192.175.48.0', 24], ['198.18.0.0', 15], ['198.51.100.0', 24], ['203.0.113.0', 24], ['224.0.0.0', 4], ['240.0.0.0', 4]
] as const) BLOCKED_V4.addSubnet(network, prefix, 'ipv4')

const BLOCKED_V6 = new net.BlockList()
for (const [network, prefix] of [
  ['::', 96], ['::1', 128], ['64:ff9b:1::', 48], ['100::', 64], ['100:0:0:1::', 64], ['2001::', 23], ['2001:db8::', 32],
  ['2620:4f:8000::', 48], ['3fff::', 20], ['5f00::', 16], ['fc00::', 7], ['fe80::', 10], ['fec0::', 10], ['ff00::', 8]
] as const) BLOCKED_V6.addSubnet(network, prefix, 'ipv6')

/** NAT64's well-known prefix: 64:ff9b::a.b.c.d reaches the IPv4 host a.b.c.d. */
const NAT64 = new net.BlockList()
NAT64.addSubnet('64:ff9b::', 96, 'ipv6')

/**
 * The IPv4 address an IPv6 address carries and reaches, if it is of a kind that does:
 * IPv4-mapped (::ffff:a.b.c.d), NAT64 (64:ff9b::a.b.c.d) and 6to4 (2002:aabb:ccdd::/48).
 * Such an address is judged by the IPv4 address, so ::ffff:127.0.0.1 and 2002:7f00:1:: are
 * loopback while 64:ff9b::8.8.8.8 is as public as 8.8.8.8.
 */
function embeddedIPv4 (address: string): string | null {
  const v6 = new Address6(address)
  if (v6.isMapped4() || NAT64.check(address, 'ipv6')) return v6.to4().correctForm()
  if (v6.is6to4()) return v6.inspect6to4().gateway
  return null
}

/** True when `address` (an IP literal) is one a webhook must not be sent to. Not an IP at all: blocked. */
export function isBlockedAddress (address: string): boolean {
  const family = net.isIP(address)
  if (family === 0) return true
  if (family === 4) return BLOCKED_V4.check(address, 'ipv4')
  try {
    const embedded = embeddedIPv4(address)
    return embedded === null ? BLOCKED_V6.check(address, 'ipv6') : BLOCKED_V4.check(embedded, 'ipv4')
  } catch {
    // An address the checks cannot read (a zone index, say) is not one to connect to.
    return true
  }
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
 * not a blocked IP literal or `localhost` (with or without the root's trailing dot); a name's
 * addresses are checked by endpointUrlProblem, and again at each delivery.
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
  const host = hostOf(url).toLowerCase().replace(/\.$/, '')
  if (host === 'localhost' || host.endsWith('.localhost')) return 'must not point at this host'
  if (net.isIP(host) !== 0 && isBlockedAddress(host)) return 'must not point at a loopback, private, link-local or metadata address'
  return null
}

/**
 * The rule for a resolved name, at registration and at each connection: refused when any of
 * its addresses is blocked, or when it has none. Returns why, or null.
 */
export function resolvedAddressesProblem (hostname: string, addresses: readonly LookupAddress[]): string | null {
  const blocked = addresses.find((entry) => isBlockedAddress(entry.address))
  if (blocked === undefined && addresses.length > 0) return null
  return `${hostname} resolves to a blocked address${blocked === undefined ? '' : ` (${blocked.address})`}`
}

/** How long creating or changing an endpoint waits for its host name to resolve. */
export const RESOLVE_TIMEOUT_MS = 2000

/** Every address of a name, as the delivery's connection resolves it (getaddrinfo: /etc/hosts, then DNS). */
export type ResolveAll = (hostname: string) => Promise<LookupAddress[]>
const resolveAll: ResolveAll = async (hostname) => await dnsPromises.lookup(hostname, { all: true })

const errorCode = (error: unknown): string => error instanceof Error && 'code' in error && typeof error.code === 'string' ? error.code : 'unknown error'

/**
 * Resolves a target's host name now and judges its addresses (resolvedAddressesProblem).
 * Returns why it is refused, or null. A name that does not resolve, or not within the wait,
 * is refused too: nothing could be delivered to it, and it would only be retried for the
 * whole retry window.
 */
export async function resolvedTargetProblem (hostname: string, options: { resolve?: ResolveAll, timeoutMs?: number } = {}): Promise<string | null> {
  const { resolve = resolveAll, timeoutMs = RESOLVE_TIMEOUT_MS } = options
  let addresses: LookupAddress[]
  try {
    addresses = await withDeadline(resolve(hostname), timeoutMs)
  } catch (error) {
    if (error instanceof DeadlineError) return `has a host name that did not resolve within ${timeoutMs} ms (${hostname}): try again later`
    const code = errorCode(error)
    if (code === 'ENOTFOUND' || code === 'ENODATA') return `has a host name that does not resolve (${hostname}), so it could never receive a webhook`
    return `has a host name that could not be resolved (${hostname}: ${code}): try again later`
  }
  const problem = resolvedAddressesProblem(hostname, addresses)
  return problem === null ? null : `must not point at a loopback, private, link-local or metadata address: ${problem}`
}

/**
 * The whole check of an endpoint's url when it is created or changed: its shape
 * (targetUrlProblem) and, with the guard on, what its host name resolves to now.
 */
export async function endpointUrlProblem (raw: string, allowPrivateTargets: boolean): Promise<string | null> {
  const problem = targetUrlProblem(raw, allowPrivateTargets)
  if (problem !== null || allowPrivateTargets) return problem
  const host = hostOf(new URL(raw))
  return net.isIP(host) === 0 ? await resolvedTargetProblem(host) : null
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
    const problem = resolvedAddressesProblem(hostname, addresses)
    if (problem !== null) { callback(new BlockedTargetError(problem), []); return }
    if (options.all === true) { callback(null, addresses); return }
    const first = addresses[0] as LookupAddress
    callback(null, first.address, first.family)
  })
}
