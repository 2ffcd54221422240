import { isUtf8 } from 'node:buffer'
import fp from 'fastify-plugin'
import { AppError } from '../../lib/app-error.js'
import { HTTP_PROBLEMS } from '../../lib/problems/http.js'
import { maxBodyMembers } from '../../lib/json-members.js'

/**
 * Deepest array/object nesting a request body may have. The deepest real body (an order:
 * object > items array > item object) is 3 levels; 64 leaves room for any client library
 * while keeping JSON.parse and schema validation away from pathological inputs.
 */
export const MAX_JSON_DEPTH = 64

const QUOTE = 0x22
const BACKSLASH = 0x5c
const OPEN_BRACKET = 0x5b
const OPEN_BRACE = 0x7b
const CLOSE_BRACKET = 0x5d
const CLOSE_BRACE = 0x7d

const COLON = 0x3a

/** What the scan found: a body within its bounds, one nested too deep, one with too many object members, or a string with half a surrogate pair. */
export type JsonScan = 'ok' | 'too-deep' | 'too-many-members' | 'lone-surrogate'

const LOWER_U = 0x75
/** The UTF-16 unit a `\uXXXX` escape at `at` (its backslash) names, or -1 when it is not one. */
function escapedUnit (text: string, at: number): number {
  if (text.charCodeAt(at + 1) !== LOWER_U) return -1
  const hex = text.slice(at + 2, at + 6)
  return /^[0-9a-fA-F]{4}$/.test(hex) ? Number.parseInt(hex, 16) : -1
}
const isHigh = (unit: number): boolean => unit >= 0xd800 && unit <= 0xdbff
const isLow = (unit: number): boolean => unit >= 0xdc00 && unit <= 0xdfff

/**
 * Whether `text` stays within a nesting depth and a number of object members (colons outside
 * strings), and its strings are Unicode text. One pass over the text (linear in its length, and
 * it stops at the first bound passed), tracking only whether it is inside a string: brackets and
 * colons inside strings do not count. A `\uD800`-style escape without its other half is
 * refused: JSON.parse would make a string no UTF-8 can hold, which Postgres would store as
 * U+FFFD (so two different passwords would hash alike). Raw UTF-8 text cannot carry one. It
 * does not validate the JSON; JSON.parse does that afterwards, on a body now known to be
 * shallow and narrow enough to parse cheaply.
 */
export function scanJson (text: string, maxDepth: number, maxMembers: number): JsonScan {
  let depth = 0
  let members = 0
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (inString) {
      if (c === BACKSLASH) {
        const unit = escapedUnit(text, i)
        if (isLow(unit)) return 'lone-surrogate'
        if (isHigh(unit)) {
          if (text.charCodeAt(i + 6) !== BACKSLASH || !isLow(escapedUnit(text, i + 6))) return 'lone-surrogate'
          i += 6
        }
        i++
      } else if (c === QUOTE) inString = false
    } else if (c === QUOTE) {
      inString = true
    } else if (c === COLON) {
      if (++members > maxMembers) return 'too-many-members'
    } else if (c === OPEN_BRACKET || c === OPEN_BRACE) {
      if (++depth > maxDepth) return 'too-deep'
    } else if ((c === CLOSE_BRACKET || c === CLOSE_BRACE) && depth > 0) {
      // Never below 0: stray closers (invalid JSON anyway) cannot buy extra depth later on.
      depth--
    }
  }
  return 'ok'
}

/** Whether `text` parses as plain JSON: asked only of a body Fastify's parser refused, so it costs nothing on good bodies. */
function isJson (text: string): boolean {
  try {
    JSON.parse(text)
    return true
  } catch {
    return false
  }
}

/**
 * The JSON body parser: Fastify's own (prototype-poisoning checks included), behind the
 * nesting and width check, so a deeply nested body (400 BODY_TOO_DEEP) or one with more object
 * members than any valid body of the route (400 VALIDATION_FAILED, lib/json-members.ts) is
 * refused before any parsing or validation work is spent on it. Bytes that are not UTF-8 are
 * malformed JSON. An empty body is no body for an operation that takes none, and malformed JSON
 * for one that takes one.
 */
export default fp(async function jsonBodyPlugin (fastify) {
  const parse = fastify.getDefaultJsonParser('error', 'error')
  fastify.removeContentTypeParser('application/json')
  fastify.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    // Decoding would turn each invalid byte into U+FFFD, so two different passwords would hash alike.
    if (typeof body !== 'string' && !isUtf8(body)) {
      done(new AppError(HTTP_PROBLEMS.MALFORMED_JSON, 'The JSON body is not UTF-8 text (RFC 8259 §8.1: JSON is UTF-8, whatever a charset parameter says)'), undefined)
      return
    }
    const text = typeof body === 'string' ? body : body.toString('utf8')
    // Clients that label every request JSON send an empty one to operations that take no body.
    if (text === '' && request.routeOptions.schema?.body === undefined) {
      done(null, undefined)
      return
    }
    const maxMembers = maxBodyMembers(request.routeOptions.schema?.body)
    const scan = scanJson(text, MAX_JSON_DEPTH, maxMembers)
    if (scan === 'too-deep') {
      done(new AppError(HTTP_PROBLEMS.BODY_TOO_DEEP, `The JSON body is nested deeper than ${MAX_JSON_DEPTH} levels`), undefined)
      return
    }
    if (scan === 'lone-surrogate') {
      done(new AppError(HTTP_PROBLEMS.MALFORMED_JSON, 'The JSON body has a \\u escape of half a UTF-16 surrogate pair, which is not Unicode text'), undefined)
      return
    }
    if (scan === 'too-many-members') {
      const detail = `has more than ${maxMembers} object members, more than any valid request to this operation`
      done(new AppError(HTTP_PROBLEMS.VALIDATION_FAILED, `The JSON body ${detail}; nothing was parsed`, { errors: [{ pointer: '', in: 'body', detail }] }), undefined)
      return
    }
    parse(request, text, (error, json) => {
      // Fastify's parser says "not valid JSON" for prototype poisoning too: JSON it is, with a key refused.
      if (error !== null && isJson(text)) {
        done(new AppError(HTTP_PROBLEMS.MALFORMED_JSON, 'The JSON body has a __proto__ or constructor.prototype key, which is refused'), undefined)
        return
      }
      done(error, json)
    })
  })
}, { name: 'json-body' })
