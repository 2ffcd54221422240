import fc from 'fast-check'
import type { InjectOptions, LightMyRequestResponse } from 'fastify'
import { fillPath, type Operation } from './openapi.js'

/** What one hostile request is made of; turned into inject options by toInject(). */
export interface HostileRequest {
  pathValue: string
  query: string
  headers: Record<string, string>
  body: { kind: 'none' } | { kind: 'json', value: unknown } | { kind: 'raw', text: string, contentType: string | null }
}

const printable = (maxLength: number): fc.Arbitrary<string> =>
  fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((code) => String.fromCharCode(code)), maxLength })

const nested = (depth: number, open: string, close: string, inner = '1'): string => open.repeat(depth) + inner + close.repeat(depth)

/** Path ids: not UUIDs, almost UUIDs, traversal, unicode, very long; plus real and unknown UUIDs. */
export function pathValues (realIds: string[]): fc.Arbitrary<string> {
  return fc.oneof(
    fc.constantFrom('../', '..', '../../etc/passwd', '%', '%zz', '%00', 'null', 'undefined', '0', '-1', '1e309', 'NaN', ' ',
      "' OR 1=1 --", '1; DROP TABLE users', '00000000-0000-0000-0000-000000000000', 'FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF',
      '{3f1c9b2e-6a4d-4e8b-9c1a-2b7d5e8f0a13}', '3f1c9b2e6a4d4e8b9c1a2b7d5e8f0a13', '3f1c9b2e-6a4d-4e8b-9c1a-2b7d5e8f0a1', '__proto__', 'constructor'),
    fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 }),
    fc.string({ minLength: 201, maxLength: 600 }),
    fc.uuid(),
    ...(realIds.length > 0 ? [fc.constantFrom(...realIds)] : [])
  )
}

const scalar: fc.Arbitrary<unknown> = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.string({ unit: 'grapheme', maxLength: 30 }),
  fc.constantFrom('', ' ', '\u0000', 'a\u0000b', '\ud800', '42', 'true', 'null', '-1', '1e400', "'; DROP TABLE products; --", '<script>alert(1)</script>', 'x'.repeat(70_000)),
  fc.integer(),
  fc.constantFrom(0, -1, 1.5, 2 ** 53, -(2 ** 63), 1e308, Number.MAX_SAFE_INTEGER + 2),
  fc.boolean(),
  fc.constant(null)
)

const POISON_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'isAdmin', 'role', 'id', 'admin']

/** JSON bodies: random values, schema-shaped bodies with wrong or extreme values, poisoned keys. */
function jsonBodies (op: Operation): fc.Arbitrary<unknown> {
  const keys = fc.constantFrom(...op.bodyProperties, ...POISON_KEYS)
  const value = fc.oneof({ depthSize: 'small' }, scalar, fc.jsonValue({ maxDepth: 3 }), fc.array(scalar, { maxLength: 5 }), fc.dictionary(printable(10), scalar, { maxKeys: 4 }))
  return fc.oneof(
    fc.jsonValue({ maxDepth: 4 }),
    fc.dictionary(keys, value, { maxKeys: 8 }),
    fc.dictionary(fc.constantFrom(...op.bodyProperties, 'extra'), fc.jsonValue({ maxDepth: 2 }), { minKeys: 1, maxKeys: 6 }),
    fc.array(fc.dictionary(keys, value, { maxKeys: 3 }), { maxLength: 3 })
  )
}

const CONTENT_TYPES = ['application/json', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x',
  'application/json; charset=utf-16', 'application/xml', 'application/json, text/html', 'application/jsonx', '*/*', 'garbage']

/** Bodies that are not JSON values at all: malformed, deep, poisoned, or declared as something else. */
const rawBodies: fc.Arbitrary<{ kind: 'raw', text: string, contentType: string | null }> = fc.record({
  kind: fc.constant('raw' as const),
  text: fc.oneof(
    fc.constantFrom('', '{', '}', '{"a":}', '[1,]', 'nul', 'undefined', "{'a':1}", '{"a":1}{"b":2}', '\u0000', '\ufeff{}', '"unterminated',
      '{"__proto__":{"polluted":true}}', '{"constructor":{"prototype":{"polluted":true}}}', '{"a":1,"a":2}', '1e999999', '-'),
    fc.integer({ min: 50, max: 5000 }).map((depth) => nested(depth, '[', ']')),
    fc.integer({ min: 50, max: 5000 }).map((depth) => nested(depth, '{"a":', '}')),
    printable(200)
  ),
  contentType: fc.oneof(fc.constantFrom(...CONTENT_TYPES), fc.constant(null))
})

const AUTH_GARBAGE = ['Bearer', 'Bearer ', 'bearer x', 'Bearer a.b.c', 'Basic Zm9vOmJhcg==', 'Token abc', 'Bearer null',
  // alg:none, and a token signed with some other secret
  'Bearer eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdWIiOiIxIiwicm9sZSI6ImFkbWluIiwianRpIjoiMSJ9.',
  'Bearer eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxIiwicm9sZSI6ImFkbWluIiwianRpIjoiMSJ9.3J9hW4Gv1mC2TqfMzq3bKz3q7Wc2oS2b7vVYwqkqj5k']

/** Query strings: known and unknown keys with out-of-range, wrong-type, huge or repeated values. */
function queryStrings (op: Operation): fc.Arbitrary<string> {
  const key = fc.oneof(fc.constantFrom(...op.queryParams, 'limit', 'cursor', '__proto__', 'constructor[prototype]', 'a[b]'), printable(8))
  const value = fc.oneof(printable(20), fc.string({ unit: 'grapheme', maxLength: 10 }),
    fc.constantFrom('-1', '0', '101', '1e999', 'NaN', 'true', '[]', '{}', 'null', '', 'x'.repeat(5000), "' OR '1'='1", 'created_at;DROP'))
  return fc.oneof(
    fc.array(fc.tuple(key, value), { maxLength: 5 }).map((pairs) => new URLSearchParams(pairs).toString()),
    fc.constantFrom('%zz', '&&&', '==', 'a=%', 'limit=1&limit=2', 'cursor=%00')
  )
}

/** Headers besides Authorization: broken If-Match, Idempotency-Key, request ids, Accept. */
const otherHeaders: fc.Arbitrary<Record<string, string>> = fc.record({
  'if-match': fc.oneof(printable(40), fc.constantFrom('*', '""', 'W/"x"')),
  'idempotency-key': fc.oneof(printable(20), fc.constant('k'.repeat(300)), fc.constant('')),
  'x-request-id': printable(300),
  accept: fc.constantFrom('application/xml', 'text/html', '*/*', 'application/json', 'garbage')
}, { requiredKeys: [] })

/** Every part of a request hostile at once; `authorization` is the caller's (or garbage). */
export function hostileRequests (op: Operation, realIds: string[], authorization: string | null): fc.Arbitrary<HostileRequest> {
  const auth = authorization === null
    ? fc.oneof(fc.constant<Record<string, string>>({}), fc.constantFrom(...AUTH_GARBAGE).map((value) => ({ authorization: value })),
      printable(100).map((value) => ({ authorization: `Bearer ${value}` })))
    : fc.constant({ authorization })
  const body: fc.Arbitrary<HostileRequest['body']> = op.method === 'GET'
    ? fc.constant({ kind: 'none' as const })
    : fc.oneof(
      { weight: 3, arbitrary: jsonBodies(op).map((value) => ({ kind: 'json' as const, value })) },
      { weight: 2, arbitrary: rawBodies },
      { weight: 1, arbitrary: fc.constant({ kind: 'none' as const }) }
    )
  return fc.record({
    pathValue: pathValues(realIds),
    query: queryStrings(op),
    headers: fc.tuple(auth, otherHeaders).map(([a, o]) => ({ ...o, ...a })),
    body
  })
}

export function toInject (op: Operation, req: HostileRequest): InjectOptions {
  const url = `${fillPath(op.path, req.pathValue)}${req.query === '' ? '' : `?${req.query}`}`
  const headers = { ...req.headers }
  if (req.body.kind === 'json') {
    return { method: op.method, url, headers: { ...headers, 'content-type': 'application/json' }, payload: JSON.stringify(req.body.value) ?? 'null' }
  }
  if (req.body.kind === 'raw') {
    return { method: op.method, url, headers: req.body.contentType === null ? headers : { ...headers, 'content-type': req.body.contentType }, payload: req.body.text }
  }
  return { method: op.method, url, headers }
}

/** Why a response breaks the contract, or null when it is fine. */
export function contractViolation (res: LightMyRequestResponse): string | null {
  if (res.statusCode >= 500) return `answered ${res.statusCode}: ${res.body.slice(0, 300)}`
  if (res.statusCode < 400) return null
  const type = String(res.headers['content-type'] ?? '')
  if (!type.startsWith('application/problem+json')) return `error ${res.statusCode} is not problem+json (${type}): ${res.body.slice(0, 200)}`
  let body: unknown
  try {
    body = JSON.parse(res.body)
  } catch {
    return `error ${res.statusCode} body is not JSON`
  }
  if (typeof body !== 'object' || body === null || !('code' in body) || !('status' in body)) return 'problem without code/status'
  if (body.status !== res.statusCode) return `problem status ${String(body.status)} != ${res.statusCode}`
  if (typeof body.code !== 'string' || !/^[A-Z][A-Z0-9_]*$/.test(body.code)) return `unstable code ${String(body.code)}`
  return null
}
