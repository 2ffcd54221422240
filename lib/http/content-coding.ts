import zlib from 'node:zlib'

/**
 * Content-coding headers as RFC 9110 reads them, for the two places @fastify/compress 9 reads
 * them more loosely: it turns every `*` in Accept-Encoding into `gzip`, so `*, gzip;q=0` gets
 * gzip (fastify/fastify-compress#187 is the neighbouring report), and it matches a request's
 * Content-Encoding case-sensitively with no `x-gzip` alias (RFC 9110 §8.4.1 says both).
 */

/** The codings @fastify/compress can send, as it detects them (zstd where zlib has it). */
export const RESPONSE_CODINGS: readonly string[] = 'createZstdCompress' in zlib ? ['zstd', 'br', 'gzip', 'deflate'] : ['br', 'gzip', 'deflate']

const codingName = (entry: string): string => entry.split(';', 1)[0]?.trim().toLowerCase() ?? ''

/**
 * Accept-Encoding with `*` written out as each coding the header does not name, at the
 * wildcard's own weight (`*, gzip;q=0` -> `br, deflate, gzip;q=0`), so the library's
 * negotiation sees what the client said; a header without `*` comes back as it was.
 */
export function expandWildcard (header: string, codings: readonly string[] = RESPONSE_CODINGS): string {
  if (!header.includes('*')) return header
  const entries = header.split(',').map((entry) => entry.trim()).filter((entry) => entry !== '')
  const named = new Set(entries.map(codingName))
  const expanded = entries.flatMap((entry) => {
    if (codingName(entry) !== '*') return [entry]
    const weight = entry.slice(entry.indexOf(';') + 1)
    const params = entry.includes(';') ? `;${weight}` : ''
    return codings.filter((coding) => !named.has(coding)).map((coding) => `${coding}${params}`)
  })
  return expanded.length === 0 ? 'identity' : expanded.join(', ')
}

/**
 * Whether Accept-Encoding takes a coding (RFC 9110 §12.5.3): the weight of its own entry, else
 * of `*`; `identity` is taken unless refused. No header takes identity only: it is what the
 * server sends then, and what a client that sent none (curl without --compressed) can read.
 */
export function acceptsCoding (header: string | undefined, coding: string): boolean {
  if (header === undefined) return coding === 'identity'
  let own: number | undefined
  let wildcard: number | undefined
  for (const entry of header.split(',')) {
    const name = codingName(entry)
    if (name !== coding && name !== '*') continue
    const q = /;\s*q=([0-9.]+)/iu.exec(entry)
    const weight = q === null ? 1 : Number(q[1])
    if (name === coding) own = weight
    else wildcard = weight
  }
  return (own ?? wildcard ?? (coding === 'identity' ? 1 : 0)) > 0
}

/** A request's Content-Encoding in the library's spelling: lower case, `x-gzip` as `gzip`. */
export function canonicalContentEncoding (header: string): string {
  const coding = header.trim().toLowerCase()
  return coding === 'x-gzip' ? 'gzip' : coding
}
