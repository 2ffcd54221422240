import { createHash } from 'node:crypto'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { preconditionFailed } from '../plugins/app-error.js'

/** A strong ETag from the row identity and its last change. */
export function etagOf (row: { id: string, updated_at: Date }): string {
  const digest = createHash('sha256').update(`${row.id}:${row.updated_at.toISOString()}`).digest('base64url').slice(0, 22)
  return `"${digest}"`
}

export function setEtag (reply: FastifyReply, row: { id: string, updated_at: Date }): void {
  reply.header('etag', etagOf(row))
}

/**
 * Honours If-Match on PUT/PATCH/DELETE: absent -> proceed; `*` or a listed ETag
 * matching the current one -> proceed; anything else -> 412 PRECONDITION_FAILED.
 */
export function assertIfMatch (request: FastifyRequest, current: { id: string, updated_at: Date }): void {
  const header = request.headers['if-match']
  if (header === undefined) return
  const wanted = header.split(',').map((tag) => tag.trim().replace(/^W\//, ''))
  if (wanted.includes('*') || wanted.includes(etagOf(current))) return
  throw preconditionFailed()
}
