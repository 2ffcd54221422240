import { Type, type TObject, type TSchema } from 'typebox'
import type { ProblemDefinition } from '../lib/problems/define.js'
import { Problem } from './problem.js'
import { MAX_CURSOR_LENGTH, MAX_ETAG_LENGTH, MAX_ETAG_LIST_LENGTH, MAX_PAGE_SIZE, MAX_URL_LENGTH } from './bounds.js'

/** A UUID's text: the one check for ids that arrive outside a schema (token subjects, cursors). */
/**
 * Characters a person does not see: Unicode's default-ignorable code points (zero-width spaces
 * and joiners, variation selectors, Hangul fillers, tags, bidi controls, the soft hyphen...),
 * every other format character (Cf), control characters (Cc: BEL, ESC, DEL...), and the blank
 * Braille pattern U+2800, which renders as a space but is not whitespace. A regular-expression
 * class body (Unicode mode).
 */
export const INVISIBLE_CHARACTERS = '\\p{Default_Ignorable_Code_Point}\\p{Cf}\\p{Cc}\\u2800'
/**
 * A name that is not blank: a character that is neither whitespace nor invisible, and no NUL
 * (Postgres stores no NUL in text). Checked as the `visible-text` format (lib/formats.ts), not as
 * a pattern: INVISIBLE_CHARACTERS needs Unicode property escapes, which SDKs' validators cannot
 * compile (Python's re, Go's RE2) or compile without Unicode mode (zod), refusing plain names.
 * The portable pattern `\S` (not only whitespace) is what a client can check itself.
 */
export const NotBlankText = (options: { maxLength: number, description: string, examples: string[] }) =>
  Type.String({ minLength: 1, pattern: '\\S', format: 'visible-text', ...options })

/**
 * A search text of a list's `q`: what the query matches against is text Postgres stores, and a
 * NUL character cannot be in it (refused here as a validation error, not by the database).
 */
export const SearchText = (description: string, example: string) =>
  Type.String({ minLength: 1, maxLength: 100, pattern: '^[^\\x00]*$', description: `${description}; no NUL character`, examples: [example] })

export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
/** A UUID with a description of its own (and an example, if given). */
export const UuidOf = (description: string, example?: string) =>
  Type.String({ format: 'uuid', maxLength: 36, description, ...(example === undefined ? {} : { examples: [example] }) })
export const Uuid = Type.String({ format: 'uuid', maxLength: 36, examples: ['3f1c9b2e-6a4d-4e8b-9c1a-2b7d5e8f0a13'] })
export const Timestamp = Type.String({ format: 'date-time', maxLength: 64, description: 'RFC 3339 UTC', examples: ['2026-11-24T10:00:00.000Z'] })
export const Currency = Type.String({ pattern: '^[A-Z]{3}$', minLength: 3, maxLength: 3, description: 'ISO 4217 store currency', examples: ['EUR'] })
export const Role = Type.Union([Type.Literal('customer'), Type.Literal('staff'), Type.Literal('admin')], { title: 'Role', description: 'Account role: customer (own orders and profile), staff (catalog, customers, orders), admin (everything, users and webhooks too)', examples: ['customer'] })

export const IdParams = Type.Object({ id: Object.assign({}, Uuid, { description: 'The id of the resource' }) }, { additionalProperties: false })

/** Request headers honoured by PUT/PATCH/DELETE and other writes to single resources (RFC 9110 §13.2.2). */
export const PreconditionHeaders = Type.Object({
  'if-match': Type.Optional(Type.String({
    maxLength: MAX_ETAG_LIST_LENGTH,
    description: 'Only write when the resource still has this ETag (else 412 PRECONDITION_FAILED); `*` matches any, a weak tag (`W/...`) none (strong comparison, RFC 9110)',
    examples: ['"q1Zm0Yx3bS8kPp2d9f0aQw"']
  })),
  'if-none-match': Type.Optional(Type.String({
    maxLength: MAX_ETAG_LIST_LENGTH,
    description: 'Only write when the resource no longer has this ETag (else 412 PRECONDITION_FAILED); `*` matches any, so `If-None-Match: *` never overwrites (weak comparison, RFC 9110)',
    examples: ['"7"']
  }))
})

/** Documented response headers (@fastify/swagger reads `headers` off a response schema). */
export const ResponseHeaders = {
  etag: Type.String({ maxLength: MAX_ETAG_LENGTH, description: 'Strong ETag of the returned resource; send it back as If-Match', examples: ['"q1Zm0Yx3bS8kPp2d9f0aQw"'] }),
  location: (collection: string) => Type.String({ maxLength: MAX_URL_LENGTH, description: 'URL of the created resource', examples: [`/api/${collection}/3f1c9b2e-6a4d-4e8b-9c1a-2b7d5e8f0a13`] }),
  /** `param` is the query parameter that carries the cursor (`cursor` on lists, `after` on feeds). */
  link: (collection: string, param = 'cursor') => Type.String({ maxLength: MAX_URL_LENGTH, description: 'RFC 8288 link to the next page, when there is one', examples: [`</api/${collection}?limit=20&${param}=eyJ2IjoiY3JlYXRlZF9hdCJ9>; rel="next"`] }),
  idempotentReplayed: Type.Literal('true', { description: 'Present when this response is the replay of an earlier request with the same Idempotency-Key' }),
  noStore: Type.Literal('no-store', { description: 'Tokens must not be cached' })
}

/** `?limit=&cursor=` shared by every list route. */
export const PaginationQuery = {
  limit: Type.Optional(Type.Integer({ format: 'int32', minimum: 1, maximum: MAX_PAGE_SIZE, default: 20, description: `Page size (1..${MAX_PAGE_SIZE})` })),
  cursor: Type.Optional(Type.String({ minLength: 1, maxLength: MAX_CURSOR_LENGTH, description: 'Opaque cursor from next_cursor' }))
}

/** `next_cursor` of every page. */
export const NextCursor = Type.Union([Type.String({ maxLength: MAX_CURSOR_LENGTH }), Type.Null()], { description: 'Pass as ?cursor= for the next page; null on the last page', examples: ['eyJ2IjoiMjAyNi0xMS0yNFQxMDowMDowMC4wMDBaIn0'] })

/** The `data` array of a page: at most one page size. */
export const PageData = <T extends TSchema>(item: T) => Type.Array(item, { maxItems: MAX_PAGE_SIZE })

/** A page of a list; `name` (e.g. ProductPage) is its component name. */
export const Page = <T extends TSchema>(item: T, name: string, description: string) => Type.Object({
  data: PageData(item),
  next_cursor: NextCursor
}, { $id: name, title: name, description })

/**
 * A named schema as one route responds with it: the same schema (so validation, serialization
 * and types are unchanged) plus the response description and headers, which the OpenAPI
 * transform moves onto the response while the body becomes a `$ref` to the component.
 */
export function documented<T extends TSchema> (schema: T, doc: { description: string, headers?: Record<string, TSchema> }): T {
  return Object.assign({}, schema, doc)
}

/** Where a problem response lists its codes; the OpenAPI transform reads it (lib/openapi/transform.ts). */
export const PROBLEM_CODES_KEY = 'x-problem-codes'

/** Where a schema that validation takes as any value names the component the document shows instead (lib/openapi/components.ts). */
export const CHECKED_AS_KEY = 'x-checked-as'

/**
 * A value that validation takes as it is because a service checks it on its own against the
 * component `name` (a batch item: a bad one gets its problem in its own result instead of a 400
 * for the whole batch). The document shows the component, so generated clients type the value.
 */
export const CheckedLater = (name: string, description: string) => Type.Unknown({ [CHECKED_AS_KEY]: name, description })

/**
 * The problem responses of what a route's own code sends, by definition (`PRODUCT_PROBLEMS.SKU_TAKEN`),
 * grouped by status. The HTTP layer's problems (validation, tokens, roles, limits, ...) are added to
 * every operation by its shape (`operationProblems` in lib/problems/http.ts): do not list them here.
 */
export function problemResponses (...problems: ProblemDefinition[]): Record<number, TSchema> {
  const byStatus = new Map<number, string[]>()
  for (const problem of problems) byStatus.set(problem.status, [...(byStatus.get(problem.status) ?? []), problem.code])
  return Object.fromEntries([...byStatus].map(([status, codes]) => [status, Object.assign({}, Problem, { [PROBLEM_CODES_KEY]: codes })]))
}

/** The same responses, each also declaring these headers. */
export function withHeaders (responses: Record<number, TSchema>, headers: Record<string, TSchema>): Record<number, TSchema> {
  return Object.fromEntries(Object.entries(responses).map(([status, schema]) => [status, Object.assign({}, schema, { headers })]))
}

export const NDJSON_MEDIA_TYPE = 'application/x-ndjson'

/**
 * A 200 that streams `item`s as NDJSON: one JSON document per line, each newline-terminated.
 * OpenAPI 3.1 has no schema for a sequence of JSON texts: declared as one, the body was parsed as
 * one JSON document by generated clients. So the body is a byte stream (`format: binary`:
 * generators hand over the raw body or a stream; no `type: string`, whose unbounded length the
 * OWASP ruleset refuses, while an export's length is its collection's), and the
 * line's schema is `x-item-schema`, named after OpenAPI 3.2's `itemSchema`; the example is a
 * whole body of these lines.
 */
export function ndjsonResponse<T> (item: TSchema, doc: { description: string, lines: readonly T[] }): TSchema {
  const name: unknown = Reflect.get(item, '$id')
  if (typeof name !== 'string') throw new Error('an NDJSON line is a named schema')
  const body = doc.lines.map((line) => `${JSON.stringify(line)}\n`).join('')
  return Type.Unsafe({
    description: doc.description,
    content: {
      [NDJSON_MEDIA_TYPE]: {
        schema: { format: 'binary', contentMediaType: NDJSON_MEDIA_TYPE, description: `NDJSON: one ${name} (components/schemas/${name}) per line, each ending in a newline` },
        'x-item-schema': item,
        example: body
      }
    }
  })
}

/** Idempotency-Key on a POST that creates or writes (orders, the product batch). */
export const IdempotencyHeaders = Type.Object({
  'idempotency-key': Type.Optional(Type.String({
    minLength: 1,
    maxLength: 255,
    description: 'Makes the request safe to retry for 24 h: the same key and body replay the original response (with `Idempotent-Replayed: true`). Scoped to the caller.',
    examples: ['5b1f0c7e-order-checkout-1']
  }))
})

export const NoContent = Type.Null({ description: 'No content' })

/**
 * The three responses of a REST resource: one (with its ETag), created (ETag + Location) and a
 * page (with the Link header). `page` is the named page schema (e.g. ProductPage).
 */
export function resourceResponses<T extends TObject, P extends TSchema> (model: T, page: P, names: { noun: string, collection: string, pageDescription: string }) {
  return {
    one: documented(model, { description: `The ${names.noun}`, headers: { etag: ResponseHeaders.etag } }),
    created: documented(model, {
      description: `The created ${names.noun}`,
      headers: { etag: ResponseHeaders.etag, location: ResponseHeaders.location(names.collection) }
    }),
    page: documented(page, { description: names.pageDescription, headers: { link: ResponseHeaders.link(names.collection) } })
  }
}

/** Request header honoured by single-resource GETs. */
export const IfNoneMatchHeaders = Type.Object({
  'if-none-match': Type.Optional(Type.String({
    maxLength: MAX_ETAG_LIST_LENGTH,
    description: 'Answer 304 Not Modified (no body) when the resource still has this ETag (or one of a comma-separated list; `*` matches any)',
    examples: ['"7"']
  }))
})

export const NotModified = documented(Type.Null(), {
  description: 'Not modified: the resource still has the ETag sent in If-None-Match (no body)',
  headers: { etag: ResponseHeaders.etag }
})
