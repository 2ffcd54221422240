import type { FastifyReply, FastifyRequest } from 'fastify'
import { preconditionFailed } from '../app-error.js'
import { acceptsCoding } from './content-coding.js'

/** What an ETag is made of: the row's version (bumped by a trigger on every UPDATE, migration 0002). */
export interface Versioned { version: number }

/**
 * A strong ETag: the row version. The database moves it on any write to the row, by any code
 * path, and concurrent writers are serialized by the row lock, so a version never names two
 * states of one row. An ETag is only compared for one resource (its URL), so the id adds nothing.
 * A resource shown differently to different callers names the caller's view after the version
 * (`"7.customer"`: an order lists fewer allowed_transitions to its customer than to staff), so
 * one tag never names two bodies.
 */
export function etagOf (row: Versioned, view?: string): string {
  return view === undefined ? `"${row.version}"` : `"${row.version}.${view}"`
}

export function setEtag (reply: FastifyReply, row: Versioned, view?: string): void {
  reply.header('etag', etagOf(row, view))
}

/**
 * Compressed responses carry the ETag of their representation: the row's tag with the content
 * coding appended inside the quotes (`"7-br"`, `"7-gzip"`), so a strong ETag never names two
 * different byte sequences. If-Match compares the resource's state: a listed tag counts with or
 * without its coding suffix. If-None-Match gives 304 only for a listed tag whose coding the
 * request takes: a 304 tells a cache to serve the copy with that tag (RFC 9111 §4.3.4), and a
 * gzip copy must not reach a client that did not ask for gzip.
 */
const CODING_SUFFIX = /-(br|gzip|deflate|zstd)"$/

interface ListedTag { tag: string, state: string, coding: string }

/** One entity tag of a list, its weak prefix dropped (weak comparison, RFC 9110 §13.1.2): the tag of the state (and view) it names in which coding. */
function parseTag (entry: string): ListedTag {
  const tag = entry.trim().replace(/^W\//, '')
  const suffix = CODING_SUFFIX.exec(tag)
  return suffix === null ? { tag, state: tag, coding: 'identity' } : { tag, state: `${tag.slice(0, suffix.index)}"`, coding: suffix[1] ?? '' }
}

const listedTags = (header: string): ListedTag[] => header.split(',').map(parseTag)

/** The first listed tag of the current state in a coding the request takes (`*` counts as the current one). */
function matchingTag (ifNoneMatch: string, etag: string, acceptEncoding: string | undefined): ListedTag | undefined {
  return listedTags(ifNoneMatch).find(({ tag, state, coding }) => tag === '*' || (state === etag && acceptsCoding(acceptEncoding, coding)))
}

/** The tag sent for a response: `etag` with the coding of the body, or on a 304 the listed tag that matched. */
export function representationEtag (etag: string, coding: unknown, request: FastifyRequest, status: number): string {
  const ifNoneMatch = request.headers['if-none-match']
  if (status === 304 && ifNoneMatch !== undefined) {
    const matched = matchingTag(ifNoneMatch, etag, request.headers['accept-encoding'])
    return matched === undefined || matched.tag === '*' ? etag : matched.tag
  }
  return typeof coding === 'string' && coding !== 'identity' && etag.endsWith('"') ? `${etag.slice(0, -1)}-${coding}"` : etag
}

const VIEW_SUFFIX = /\.[a-z]+"$/

/** The state a listed tag names, whatever its coding and view (each names the same state of the row). */
const stateOf = (entry: string): string => parseTag(entry).state.replace(VIEW_SUFFIX, '"')

/**
 * A write's preconditions (RFC 9110 §13.2.2), on the row it has locked; they compare the state:
 * - If-Match: absent -> proceed; `*` or a listed strong tag of the current state -> proceed;
 *   anything else (a weak tag too: strong comparison) -> 412 PRECONDITION_FAILED.
 * - If-None-Match: `*` or a listed tag of the current state (weak comparison) -> 412, so
 *   `If-None-Match: *` never overwrites a resource that exists.
 */
export function assertPreconditions (request: FastifyRequest, current: Versioned): void {
  const state = etagOf(current)
  const ifMatch = request.headers['if-match']
  if (ifMatch !== undefined) {
    const wanted = ifMatch.split(',').filter((tag) => !tag.trim().startsWith('W/')).map(stateOf)
    if (!wanted.includes('*') && !wanted.includes(state)) throw preconditionFailed()
  }
  const ifNoneMatch = request.headers['if-none-match']
  if (ifNoneMatch !== undefined && ifNoneMatch.split(',').map(stateOf).some((tag) => tag === '*' || tag === state)) throw preconditionFailed()
}

/**
 * What a service checks on the row it has locked, before changing it: the one shape of the
 * caller's preconditions in every domain (throws 412 PRECONDITION_FAILED).
 */
export type Precondition = (current: Versioned) => void

/** The request's If-Match and If-None-Match, for the service to check on the locked row. */
export const preconditions = (request: FastifyRequest): Precondition => (current) => { assertPreconditions(request, current) }

/**
 * For single-resource GETs: sets the ETag and tells whether the caller's If-None-Match already
 * names it in a coding the request takes (or is `*`), in which case the route answers with `sendNotModified` (RFC 9110 §13.1.2).
 */
export function notModified (request: FastifyRequest, reply: FastifyReply, current: Versioned, view?: string): boolean {
  setEtag(reply, current, view)
  const header = request.headers['if-none-match']
  return header !== undefined && matchingTag(header, etagOf(current, view), request.headers['accept-encoding']) !== undefined
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
