import compress from '@fastify/compress'
import type { FastifyReply, onRequestHookHandler, onSendHookHandler } from 'fastify'
import fp from 'fastify-plugin'
import zlib from 'node:zlib'
import { AppError } from '../../lib/app-error.js'
import { HTTP_PROBLEMS } from '../../lib/problems/http.js'
import { representationEtag } from '../../lib/http/etag.js'
import { canonicalContentEncoding, expandWildcard } from '../../lib/http/content-coding.js'
import { routeHooks } from '../../lib/route-hooks.js'

/**
 * The smallest body compressed: SPEC §7 compresses bodies above 1 KiB, and @fastify/compress
 * compresses a body at or above its threshold. Below it a compressed body saves less than its
 * headers and CPU cost.
 */
const THRESHOLD_BYTES = 1025
/**
 * @fastify/compress's default types (text except event streams, JSON, XML, octet-stream), plus
 * NDJSON, which neither it nor mime-db knows as compressible: the exports (lib/http/ndjson.ts).
 */
const COMPRESSIBLE_TYPES = /^text\/(?!event-stream)|[+/]json(?:;|$)|[+/]text(?:;|$)|[+/]xml(?:;|$)|octet-stream(?:;|$)|^application\/x-ndjson(?:;|$)/u
const REQUEST_CODINGS = ['gzip', 'deflate'] as const
/** Quality 4 compresses JSON almost as well as 11 at a small fraction of the CPU. */
const BROTLI_QUALITY = 4

/**
 * Whether the response's representation depends on Accept-Encoding: any body of a type
 * @fastify/compress compresses (no Content-Type counts as JSON, as it does there), whatever its
 * size, as expressjs/compression decides it, so one resource's responses always say the same
 * thing as its body grows past the threshold; and a 304, whose 200 is always a JSON resource and
 * which must repeat the 200's Vary (RFC 9110 §15.4.5). A 204 has no representation.
 */
function variesOnEncoding (payload: unknown, reply: FastifyReply): boolean {
  if (reply.statusCode === 304) return true
  // A 204's payload may be the serialized `null` a route sends; Fastify drops it.
  if (reply.statusCode === 204 || payload == null) return false
  const contentType = reply.getHeader('content-type')
  return contentType === undefined || (typeof contentType === 'string' && COMPRESSIBLE_TYPES.test(contentType))
}

/** Before @fastify/compress negotiates (its onSend hook comes after this one): see lib/http/content-coding.ts. */
const readWildcard: onSendHookHandler = (request, _reply, payload, done) => {
  const accepted = request.headers['accept-encoding']
  if (accepted !== undefined && accepted.includes('*')) request.headers['accept-encoding'] = expandWildcard(accepted)
  done(null, payload)
}

/** Before @fastify/compress picks a decompressor (preParsing): the coding in its spelling. */
const readContentEncoding: onRequestHookHandler = (request, _reply, done) => {
  const coding = request.headers['content-encoding']
  if (coding !== undefined) request.headers['content-encoding'] = canonicalContentEncoding(coding)
  done()
}

/** Adds accept-encoding to Vary (CORS may have set `Origin`), spelt as @fastify/compress spells it on compressed responses. */
function varyOnAcceptEncoding (vary: ReturnType<FastifyReply['getHeader']>, reply: FastifyReply): void {
  if (vary === undefined) reply.header('vary', 'accept-encoding')
  else if (!/accept-encoding|\*/iu.test(String(vary))) reply.header('vary', `${String(vary)}, accept-encoding`)
}

/**
 * Response compression (br, gzip; zstd first where the runtime has zlib zstd, which
 * @fastify/compress detects) above 1 KiB, with Vary: Accept-Encoding on every response of a
 * compressible type, and gzip/deflate request bodies. A decompressed body counts against the route's body limit as it streams in, so a zip
 * bomb is a 413 after reading the limit, never a decompression to the end. Registered before
 * the routes (it hooks each route as it is added).
 */
export default fp(async function compressPlugin (fastify) {
  // Fastify never reads a GET or HEAD body, so those routes get no decompression hook (decided
  // once per route here, before @fastify/compress's own onRoute hook looks at the option, and
  // adds its hooks after these).
  fastify.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method]
    if (route.decompress === undefined && methods.every((method) => method === 'GET' || method === 'HEAD')) route.decompress = false
    if (route.decompress !== false) route.onRequest = [...routeHooks(route.onRequest), readContentEncoding]
    if (route.compress !== false) route.onSend = [...routeHooks(route.onSend), readWildcard]
  })
  await fastify.register(compress, {
    global: true,
    threshold: THRESHOLD_BYTES,
    customTypes: COMPRESSIBLE_TYPES,
    brotliOptions: { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: BROTLI_QUALITY } },
    requestEncodings: [...REQUEST_CODINGS],
    // A body that does not decompress is the library's FST_CP_ERR_INVALID_CONTENT (plugins/app/errors.ts): it copies
    // an onInvalidRequestPayload answer onto zlib's error, whose message (zlib's own words) an AppError cannot replace.
    // The 415 names what is accepted (RFC 9110 §12.5.3).
    onUnsupportedRequestEncoding: (encoding) => new AppError(HTTP_PROBLEMS.UNSUPPORTED_MEDIA_TYPE, `Content-Encoding ${encoding} is not supported; send gzip, deflate or an uncompressed body`, {
      headers: { 'accept-encoding': REQUEST_CODINGS.join(', ') }
    })
  })
  // After compression, which @fastify/compress adds to each route's own onSend hooks (they run
  // after the global ones): the ETag then names the representation sent (see lib/http/etag.ts),
  // and a body sent uncompressed (too small, or no or identity Accept-Encoding) still says it
  // varies, or a shared cache would serve it to clients that asked for another coding.
  const representationHeaders: onSendHookHandler = (request, reply, payload, done) => {
    const encoding = reply.getHeader('content-encoding')
    if ((encoding === undefined || encoding === 'identity') && variesOnEncoding(payload, reply)) varyOnAcceptEncoding(reply.getHeader('vary'), reply)
    const etag = reply.getHeader('etag')
    if (typeof etag === 'string') reply.header('etag', representationEtag(etag, encoding, request, reply.statusCode))
    done(null, payload)
  }
  fastify.addHook('onRoute', (route) => {
    route.onSend = [...routeHooks(route.onSend), representationHeaders]
    if (route.method === 'HEAD') route.onSend = dropHeadBodyLast(route.onSend)
  })
}, { name: 'compress' })

/**
 * Fastify's HEAD route (exposeHeadRoutes) drops the body in an onSend hook of its own, put before
 * the hooks added since: compression, and the representation's ETag and Vary above, then saw no
 * body, and a HEAD described the identity representation while its GET sent gzip. Run last, it
 * leaves a HEAD the header fields of its GET (RFC 9110 §9.3.2): the coding, the ETag naming it,
 * the compressed Content-Length. test/openapi/served.test.ts compares each GET with its HEAD.
 */
function dropHeadBodyLast<T extends { name: string }> (hooks: T[]): T[] {
  const dropBody = hooks.find((hook) => hook.name === 'headRouteOnSendHandler')
  return dropBody === undefined ? hooks : [...hooks.filter((hook) => hook !== dropBody), dropBody]
}
