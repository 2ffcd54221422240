import type { FastifyReply, FastifyRequest } from 'fastify'
import { preconditionFailed } from '../app-error.js'

/** What an ETag is made of: the row's version (bumped by a trigger on every UPDATE, migration 0002). */
export interface Versioned { version: number }

/**
 * A strong ETag: the row version. The database moves it on any write to the row, by any code
 * path, and concurrent writers are serialized by the row lock, so a version never names two
 * states of one row. An ETag is only compared for one resource (its URL), so the id adds nothing.
 */
export function etagOf (row: Versioned): string {
  return `"${row.version}"`
}

export function setEtag (reply: FastifyReply, row: Versioned): void {
  reply.header('etag', etagOf(row))
}

/** The entity tags of an If-Match / If-None-Match list (weak prefixes dropped: the comparison is by value). */
const listedTags = (header: string): string[] => header.split(',').map((tag) => tag.trim().replace(/^W\//, ''))

/**
 * Honours If-Match on PUT/PATCH/DELETE: absent -> proceed; `*` or a listed ETag
 * matching the current one -> proceed; anything else -> 412 PRECONDITION_FAILED.
 */
export function assertIfMatch (request: FastifyRequest, current: Versioned): void {
  const header = request.headers['if-match']
  if (header === undefined) return
  const wanted = listedTags(header)
  if (wanted.includes('*') || wanted.includes(etagOf(current))) return
  throw preconditionFailed()
}

/**
 * For single-resource GETs: sets the ETag and tells whether the caller's If-None-Match already
 * names it (or is `*`), in which case the route answers with `sendNotModified` (RFC 9110 §13.1.2).
 */
export function notModified (request: FastifyRequest, reply: FastifyReply, current: Versioned): boolean {
  setEtag(reply, current)
  const header = request.headers['if-none-match']
  if (header === undefined) return false
  const listed = listedTags(header)
  return listed.includes('*') || listed.includes(etagOf(current))
}

/**
 * 304 with no body and no body headers: a 304 has no content, so Content-Type and Content-Length
 * would describe one that is not there (RFC 9110 §8.6, §15.4.5). `send()` without a payload skips
 * the serializer, which would otherwise write `null` and count its 4 bytes.
 */
export function sendNotModified (reply: FastifyReply): FastifyReply {
  reply.removeHeader('content-type')
  reply.removeHeader('content-length')
  return reply.code(304).send()
}
