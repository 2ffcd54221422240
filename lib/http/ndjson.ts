import { Readable } from 'node:stream'
import type { FastifyReply } from 'fastify'
import { NDJSON_MEDIA_TYPE } from '../../schemas/common.js'

/** Lines are handed to the socket in pieces of about this size (one write per piece, not per row). */
const PIECE_CHARS = 16 * 1024

async function * pieces<T> (first: T, rest: AsyncIterator<T>, line: (item: T) => string): AsyncGenerator<string, void, undefined> {
  let piece = line(first) + '\n'
  try {
    for (let next = await rest.next(); next.done !== true; next = await rest.next()) {
      piece += line(next.value) + '\n'
      if (piece.length >= PIECE_CHARS) {
        yield piece
        piece = ''
      }
    }
  } finally {
    // Abandoned (client gone) or failed: close the source now, which releases its cursor and connection.
    await rest.return?.()
  }
  if (piece !== '') yield piece
}

/**
 * Sends `items` as application/x-ndjson, one `line(item)` per line, with backpressure: the
 * source is only read while the socket (or the compressor in front of it) takes more.
 *
 * The first item is read before anything is sent, so a failure to start (e.g. the first
 * query) is an ordinary problem+json response. A failure after the first byte cannot change
 * the status any more: Fastify logs it and destroys the connection, so the client sees a
 * truncated stream (no terminating chunk, and the last line may lack its newline), never a
 * body that looks complete. A client that disconnects destroys the stream, which closes the
 * source at once.
 */
export async function sendNdjson<T> (reply: FastifyReply, items: AsyncIterable<T>, line: (item: T) => string): Promise<FastifyReply> {
  const source = items[Symbol.asyncIterator]()
  const first = await source.next()
  reply.type(NDJSON_MEDIA_TYPE)
  if (first.done === true) return await reply.send('')
  if (reply.request.method === 'HEAD') {
    // Fastify would read the whole stream only to drop it: HEAD ends the export after its first row.
    await source.return?.()
    return await reply.send(Readable.from([]))
  }
  return await reply.send(Readable.from(pieces(first.value, source, line), { objectMode: false }))
}
