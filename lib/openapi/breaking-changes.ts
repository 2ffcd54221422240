import { isRecord } from '../is-record.js'
/**
 * Breaking changes between two OpenAPI 3.x documents, each named by a stable identifier such as
 * `removed-field GET /api/products/{id} 200 name` (the kinds: docs/api-changelog.md).
 *
 * Requests are inputs: a change breaks a client when the server stops accepting something it
 * accepted (a narrowed type or bound, a removed enum value, a new required field or parameter,
 * a closed object). Responses are outputs: a change breaks a client when it stops getting
 * something it relied on (a removed operation, status, header, field or enum value; a field no
 * longer required) or starts getting a type it was not told about. New enum values in responses
 * are not breaking: clients must tolerate unknown values (docs/api-changelog.md).
 *
 * Security is an input too: an operation breaks callers when it stops accepting credentials it
 * accepted (compareSecurity). A request parameter's `default` is what the server does for clients
 * that leave it out: changing or removing it changes their answers (compareDefault).
 *
 * Webhooks (the document's `webhooks`) are outputs too: GoShop sends their bodies and headers to
 * receivers, so they are compared as responses (`removed-field POST webhook order.created request data.total_cents`).
 *
 * Only local `#/...` references are followed; anyOf/oneOf branches are grouped by JSON type.
 */

type Json = Record<string, unknown>
type Direction = 'request' | 'response'

const recordAt = (value: unknown, key: string): Json => {
  const child = isRecord(value) ? value[key] : undefined
  return isRecord(child) ? child : {}
}

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']
const ANY = 'any'

/** Bounds whose raise (min*) or lowering (max*) rejects requests that passed before. */
const LOWER_BOUNDS = ['minLength', 'minItems', 'minProperties', 'minimum', 'exclusiveMinimum']
const UPPER_BOUNDS = ['maxLength', 'maxItems', 'maxProperties', 'maximum', 'exclusiveMaximum']
/** Keywords whose addition or change may reject requests that passed before. */
const RESTRICTIONS = ['pattern', 'format', 'multipleOf', 'const']

interface Context {
  /** Each document resolves its own references. */
  before: Json
  after: Json
  changes: Set<string>
  /** `$ref` pairs being compared further up: a recursive schema is compared once. */
  refs: Set<string>
}

const id = (...parts: string[]): string => parts.filter((part) => part !== '').join(' ')
const show = (value: unknown): string => typeof value === 'string' ? value : JSON.stringify(value)

function resolve (root: Json, schema: unknown, seen = new Set<string>()): Json {
  if (!isRecord(schema) || typeof schema.$ref !== 'string' || !schema.$ref.startsWith('#/')) return isRecord(schema) ? schema : {}
  if (seen.has(schema.$ref)) return {}
  seen.add(schema.$ref)
  let target: unknown = root
  for (const segment of schema.$ref.slice(2).split('/')) target = recordAt(target, segment.replaceAll('~1', '/').replaceAll('~0', '~'))
  return resolve(root, target, seen)
}

/** The alternatives a schema allows: anyOf/oneOf flattened, allOf merged, `nullable` as a null branch. */
function branches (root: Json, schema: unknown): Json[] {
  const resolved = resolve(root, schema)
  const alternatives = Array.isArray(resolved.anyOf) ? resolved.anyOf : Array.isArray(resolved.oneOf) ? resolved.oneOf : undefined
  if (alternatives !== undefined) return alternatives.flatMap((alternative) => branches(root, alternative))
  let merged = resolved
  if (Array.isArray(resolved.allOf)) {
    const parts = resolved.allOf.map((part) => resolve(root, part))
    merged = {
      ...Object.assign({}, ...parts),
      ...resolved,
      properties: Object.assign({}, ...parts.map((part) => recordAt(part, 'properties')), recordAt(resolved, 'properties')),
      required: [resolved, ...parts].flatMap((part) => Array.isArray(part.required) ? part.required : [])
    }
  }
  return merged.nullable === true ? [merged, { type: 'null' }] : [merged]
}

function typesOf (branch: Json): string[] {
  if (typeof branch.type === 'string') return [branch.type]
  if (Array.isArray(branch.type)) return branch.type.filter((type): type is string => typeof type === 'string')
  const values = Array.isArray(branch.enum) ? branch.enum : 'const' in branch ? [branch.const] : undefined
  if (values !== undefined) return [...new Set(values.map((value) => value === null ? 'null' : Number.isInteger(value) ? 'integer' : typeof value))]
  if (isRecord(branch.properties)) return ['object']
  if (branch.items !== undefined) return ['array']
  return [ANY]
}

/**
 * Object branches of one union as one object (a discriminated union: one per event type): every
 * property any branch has, as the alternatives the branches give it; required where all require
 * it. The pairing of a `type` with its `data` is lost, so a change within one branch is seen as
 * the change of the property's alternatives.
 */
function mergeObjects (a: Json, b: Json): Json {
  const aProps = recordAt(a, 'properties')
  const bProps = recordAt(b, 'properties')
  const properties: Json = {}
  for (const name of new Set([...Object.keys(aProps), ...Object.keys(bProps)])) {
    const parts = [aProps[name], bProps[name]].filter((part) => part !== undefined)
    properties[name] = parts.length === 1 ? parts[0] : { anyOf: parts }
  }
  const bRequired = requiredSet(b)
  return { type: 'object', properties, required: [...requiredSet(a)].filter((name) => bRequired.has(name)) }
}

interface Facet {
  /** The branch of this type (object branches merged: mergeObjects): its keywords are compared. */
  schema: Json
  /** Allowed values, or null when any value of the type is. */
  values: Set<string> | null
}

/** A schema's branches by JSON type (`any` when one branch allows everything). */
function facets (root: Json, schema: unknown): Map<string, Facet> {
  const byType = new Map<string, Facet>()
  for (const branch of branches(root, schema)) {
    const values = Array.isArray(branch.enum) ? branch.enum : 'const' in branch ? [branch.const] : undefined
    for (const type of typesOf(branch)) {
      const own = values?.filter((value) => typesOf({ enum: [value] })[0] === type || type === 'number') ?? null
      const facet = byType.get(type)
      if (facet === undefined) {
        byType.set(type, { schema: branch, values: own === null ? null : new Set(own.map(show)) })
        continue
      }
      if (type === 'object') facet.schema = mergeObjects(facet.schema, branch)
      if (facet.values !== null) facet.values = own === null ? null : new Set([...facet.values, ...own.map(show)])
    }
  }
  return byType
}

/** Whether a value of `type` is accepted by a schema with these types (an integer is a number). */
const covers = (types: Map<string, Facet>, type: string): boolean => types.has(ANY) || types.has(type) || (type === 'integer' && types.has('number'))
const typeList = (types: Map<string, Facet>): string => [...types.keys()].sort().join('|')

function compareBounds (ctx: Context, before: Json, after: Json, at: string): void {
  const narrowed = (keyword: string, tighter: (b: number, a: number) => boolean): void => {
    const b = before[keyword]
    const a = after[keyword]
    if (typeof a !== 'number') return
    if (typeof b !== 'number' || tighter(b, a)) ctx.changes.add(id('narrowed-bound', at, keyword, `${typeof b === 'number' ? b : 'none'}->${a}`))
  }
  for (const keyword of LOWER_BOUNDS) narrowed(keyword, (b, a) => a > b)
  for (const keyword of UPPER_BOUNDS) narrowed(keyword, (b, a) => a < b)
  for (const keyword of RESTRICTIONS) {
    if (keyword in after && JSON.stringify(before[keyword]) !== JSON.stringify(after[keyword])) ctx.changes.add(id('narrowed-bound', at, keyword))
  }
  if (after.uniqueItems === true && before.uniqueItems !== true) ctx.changes.add(id('narrowed-bound', at, 'uniqueItems'))
}

const requiredSet = (schema: Json): Set<string> => new Set(Array.isArray(schema.required) ? schema.required.filter((name): name is string => typeof name === 'string') : [])
const child = (path: string, name: string): string => path === '' ? name : `${path}.${name}`

function compareObjects (ctx: Context, direction: Direction, before: Json, after: Json, where: string, path: string): void {
  const bProps = recordAt(before, 'properties')
  const aProps = recordAt(after, 'properties')
  const bRequired = requiredSet(before)
  const aRequired = requiredSet(after)
  const closed = after.additionalProperties === false
  for (const [name, schema] of Object.entries(bProps)) {
    const fieldPath = child(path, name)
    if (!(name in aProps)) {
      // A request field an open object no longer knows is ignored; a closed one rejects it.
      if (direction === 'response' || closed) ctx.changes.add(id('removed-field', where, fieldPath))
      continue
    }
    if (direction === 'response' && bRequired.has(name) && !aRequired.has(name)) ctx.changes.add(id('optional-field', where, fieldPath))
    compareSchemas(ctx, direction, schema, aProps[name], where, fieldPath)
  }
  if (direction === 'request') {
    for (const name of aRequired) {
      if (!bRequired.has(name)) ctx.changes.add(id('required-field', where, child(path, name)))
    }
    if (closed && before.additionalProperties !== false) ctx.changes.add(id('closed-object', where, path))
  }
  if (isRecord(before.additionalProperties) && isRecord(after.additionalProperties)) {
    compareSchemas(ctx, direction, before.additionalProperties, after.additionalProperties, where, child(path, '*'))
  }
}

function compareFacet (ctx: Context, direction: Direction, type: string, before: Facet, after: Facet, where: string, path: string): void {
  const at = id(where, path)
  if (before.values !== null) {
    const afterValues = after.values
    if (afterValues !== null) for (const value of before.values) if (!afterValues.has(value)) ctx.changes.add(id('removed-enum-value', at, value))
  } else if (after.values !== null && direction === 'request') {
    ctx.changes.add(id('narrowed-bound', at, 'enum'))
  }
  if (direction === 'request') compareBounds(ctx, before.schema, after.schema, at)
  if (type === 'object') compareObjects(ctx, direction, before.schema, after.schema, where, path)
  if (type === 'array' && before.schema.items !== undefined && after.schema.items !== undefined) {
    compareSchemas(ctx, direction, before.schema.items, after.schema.items, where, `${path}[]`)
  }
}

/** Compares two schemas at `where` (`GET /x 200`, `POST /x request`, `GET /x query limit`) and `path` in them. */
function compareSchemas (ctx: Context, direction: Direction, before: unknown, after: unknown, where: string, path: string): void {
  const refKey = isRecord(before) && isRecord(after) && typeof before.$ref === 'string' && typeof after.$ref === 'string' ? `${before.$ref}|${after.$ref}` : undefined
  if (refKey !== undefined) {
    if (ctx.refs.has(refKey)) return
    ctx.refs.add(refKey)
  }
  const b = facets(ctx.before, before)
  const a = facets(ctx.after, after)
  // Requests: every type accepted before must still be; responses: every type sent now must have been announced.
  const [from, to] = direction === 'request' ? [b, a] : [a, b]
  if ([...from.keys()].some((type) => !covers(to, type))) ctx.changes.add(id('changed-type', where, path, `${typeList(b)}->${typeList(a)}`))
  for (const [type, facet] of b) {
    const match = a.get(type) ?? (type === 'integer' ? a.get('number') : undefined)
    if (match !== undefined && type !== ANY) compareFacet(ctx, direction, type, facet, match, where, path)
  }
  if (refKey !== undefined) ctx.refs.delete(refKey)
}

function compareContent (ctx: Context, direction: Direction, before: unknown, after: unknown, where: string): void {
  const bContent = recordAt(before, 'content')
  const aContent = recordAt(after, 'content')
  for (const [media, entry] of Object.entries(bContent)) {
    if (!(media in aContent)) ctx.changes.add(id('removed-media-type', where, media))
    else compareSchemas(ctx, direction, recordAt(entry, 'schema'), recordAt(aContent[media], 'schema'), where, '')
  }
}

function compareResponses (ctx: Context, op: string, before: Json, after: Json): void {
  const aResponses = recordAt(after, 'responses')
  for (const [status, response] of Object.entries(recordAt(before, 'responses'))) {
    const where = id(op, status)
    if (!(status in aResponses)) { ctx.changes.add(id('removed-response', where)); continue }
    const bResponse = resolve(ctx.before, response)
    const aResponse = resolve(ctx.after, aResponses[status])
    compareContent(ctx, 'response', bResponse, aResponse, where)
    const headers = (root: Json, response: Json): SentHeaders =>
      new Map(Object.entries(recordAt(response, 'headers')).map(([name, header]) => [name.toLowerCase(), { name, schema: recordAt(resolve(root, header), 'schema') }]))
    compareSentHeaders(ctx, where, headers(ctx.before, bResponse), headers(ctx.after, aResponse))
  }
}

/** Headers a client reads, by lower-case name. */
type SentHeaders = Map<string, { name: string, schema: unknown }>

/** A header gone, or sent as a type the client was not told about, breaks what reads it. */
function compareSentHeaders (ctx: Context, where: string, before: SentHeaders, after: SentHeaders): void {
  for (const [key, { name, schema }] of before) {
    const match = after.get(key)
    if (match === undefined) ctx.changes.add(id('removed-header', where, name))
    else compareSchemas(ctx, 'response', schema, match.schema, id(where, 'header', name), '')
  }
}

/** An operation's parameters (path-item ones included) by `in` and name; header names are case-insensitive. */
function parameters (root: Json, item: Json, operation: Json): Map<string, Json> {
  const all = [...(Array.isArray(item.parameters) ? item.parameters : []), ...(Array.isArray(operation.parameters) ? operation.parameters : [])]
  const byKey = new Map<string, Json>()
  for (const parameter of all.map((p) => resolve(root, p))) {
    if (typeof parameter.in !== 'string' || typeof parameter.name !== 'string') continue
    byKey.set(`${parameter.in} ${parameter.in === 'header' ? parameter.name.toLowerCase() : parameter.name}`, parameter)
  }
  return byKey
}

/** An operation's `security`: its own, else the document's (OpenAPI's inheritance). */
const securityOf = (root: Json, operation: Json): unknown => operation.security ?? root.security
const allowsAnonymous = (security: unknown): boolean => !Array.isArray(security) || security.length === 0 || security.some((requirement) => isRecord(requirement) && Object.keys(requirement).length === 0)

/** A requirement's list: the roles or scopes of which the caller needs one; null when any caller of the scheme will do (an empty list). */
type Grant = Set<string> | null
const grantOf = (list: unknown): Grant => Array.isArray(list) && list.length > 0 ? new Set(list.map(show)) : null

interface Access {
  /** Single-scheme alternatives by scheme name, their lists unioned (any-of). */
  schemes: Map<string, Grant>
  /** Alternatives naming several schemes at once (all needed), canonical: `a+b` and their sorted lists. */
  combined: Map<string, string>
}

/**
 * The credentials an operation's security accepts. An alternative with several schemes is an AND,
 * which the per-scheme union cannot express: it is kept whole, and counts as kept only when the
 * other document has the identical alternative (conservative: any change to one is reported).
 */
function accessOf (security: unknown): Access {
  const access: Access = { schemes: new Map(), combined: new Map() }
  for (const requirement of Array.isArray(security) ? security : []) {
    if (!isRecord(requirement)) continue
    const entries = Object.entries(requirement).sort(([a], [b]) => a.localeCompare(b))
    if (entries.length > 1) {
      const canonical = JSON.stringify(entries.map(([scheme, list]) => [scheme, [...grantOf(list) ?? []].sort()]))
      access.combined.set(canonical, entries.map(([scheme]) => scheme).join('+'))
      continue
    }
    for (const [scheme, list] of entries) {
      const grant = grantOf(list)
      const known = access.schemes.get(scheme)
      access.schemes.set(scheme, known === undefined ? grant : known === null || grant === null ? null : new Set([...known, ...grant]))
    }
  }
  return access
}

/**
 * Credentials accepted before and refused now: a scheme gone (`removed-security`), a role or scope
 * gone from its list, or a list that was empty (any caller) and is not (`narrowed-security`, detail
 * `any`). New schemes, alternatives and list entries widen. An operation anyone may call now locks
 * nobody out; one that was public and is not is `required-auth`.
 */
function compareSecurity (ctx: Context, op: string, before: unknown, after: unknown): void {
  if (allowsAnonymous(after)) return
  const b = accessOf(before)
  const a = accessOf(after)
  for (const [scheme, grant] of b.schemes) {
    const match = a.schemes.get(scheme)
    if (match === undefined) ctx.changes.add(id('removed-security', op, scheme))
    else if (match === null) continue
    else if (grant === null) ctx.changes.add(id('narrowed-security', op, scheme, ANY))
    else for (const entry of grant) if (!match.has(entry)) ctx.changes.add(id('narrowed-security', op, scheme, entry))
  }
  for (const [canonical, schemes] of b.combined) {
    if (!a.combined.has(canonical)) ctx.changes.add(id('removed-security', op, schemes))
  }
}

/** A request parameter's default changed or gone (`100->20`, `100->none`); a new default is not breaking. */
function compareDefault (ctx: Context, where: string, before: Json, after: Json): void {
  const b = resolve(ctx.before, before.schema)
  const a = resolve(ctx.after, after.schema)
  if (!('default' in b) || JSON.stringify(b.default) === JSON.stringify(a.default)) return
  ctx.changes.add(id('changed-default', where, `${show(b.default)}->${'default' in a ? show(a.default) : 'none'}`))
}

function compareOperations (ctx: Context, op: string, bItem: Json, before: Json, aItem: Json, after: Json): void {
  const bParams = parameters(ctx.before, bItem, before)
  const aParams = parameters(ctx.after, aItem, after)
  for (const [key, parameter] of bParams) {
    const match = aParams.get(key)
    if (match === undefined) { ctx.changes.add(id('removed-parameter', op, key)); continue }
    compareSchemas(ctx, 'request', parameter.schema, match.schema, id(op, key), '')
    compareDefault(ctx, id(op, key), parameter, match)
  }
  for (const [key, parameter] of aParams) {
    if (parameter.required === true && bParams.get(key)?.required !== true) ctx.changes.add(id('required-parameter', op, key))
  }

  const bBody = resolve(ctx.before, before.requestBody)
  const aBody = resolve(ctx.after, after.requestBody)
  if (aBody.required === true && bBody.required !== true) ctx.changes.add(id('required-body', op))
  // A body no longer declared is not read: what clients send is ignored.
  if (isRecord(after.requestBody)) compareContent(ctx, 'request', bBody, aBody, id(op, 'request'))

  const bSecurity = securityOf(ctx.before, before)
  const aSecurity = securityOf(ctx.after, after)
  if (allowsAnonymous(bSecurity) && !allowsAnonymous(aSecurity)) ctx.changes.add(id('required-auth', op))
  compareSecurity(ctx, op, bSecurity, aSecurity)
  // Generated SDKs name their functions after the operationId.
  if (typeof before.operationId === 'string' && before.operationId !== after.operationId) {
    ctx.changes.add(id('renamed-operation', op, `${before.operationId}->${String(after.operationId)}`))
  }
  compareResponses(ctx, op, before, after)
}

/** A webhook's body and headers, compared as responses: receivers read them. */
function compareWebhooks (ctx: Context, op: string, bItem: Json, before: Json, aItem: Json, after: Json): void {
  compareContent(ctx, 'response', resolve(ctx.before, before.requestBody), resolve(ctx.after, after.requestBody), id(op, 'request'))
  const headers = (root: Json, item: Json, operation: Json): SentHeaders => new Map([...parameters(root, item, operation).values()]
    .filter((parameter) => parameter.in === 'header')
    .map((parameter) => [String(parameter.name).toLowerCase(), { name: String(parameter.name), schema: parameter.schema }]))
  compareSentHeaders(ctx, op, headers(ctx.before, bItem, before), headers(ctx.after, aItem, after))
}

/**
 * The breaking changes from `before` (the released document) to `after` (the generated one),
 * sorted, each once.
 */
export function findBreakingChanges (before: unknown, after: unknown): string[] {
  if (!isRecord(before) || !isRecord(after)) throw new Error('an OpenAPI document is an object')
  const ctx: Context = { before, after, changes: new Set(), refs: new Set() }
  const aPaths = recordAt(after, 'paths')
  for (const [path, bItem] of Object.entries(recordAt(before, 'paths'))) {
    const aItem = recordAt(aPaths, path)
    for (const method of HTTP_METHODS) {
      const bOp = recordAt(bItem, method)
      if (!isRecord(isRecord(bItem) ? bItem[method] : undefined)) continue
      const op = `${method.toUpperCase()} ${path}`
      if (!isRecord(aItem[method])) ctx.changes.add(id('removed-operation', op))
      else compareOperations(ctx, op, isRecord(bItem) ? bItem : {}, bOp, aItem, recordAt(aItem, method))
    }
  }
  // Webhooks run the other way: GoShop sends them, so their bodies and headers are outputs.
  const aWebhooks = recordAt(after, 'webhooks')
  for (const [name, bItem] of Object.entries(recordAt(before, 'webhooks'))) {
    const aItem = recordAt(aWebhooks, name)
    for (const method of HTTP_METHODS) {
      if (!isRecord(isRecord(bItem) ? bItem[method] : undefined)) continue
      const op = `${method.toUpperCase()} webhook ${name}`
      if (!isRecord(aItem[method])) ctx.changes.add(id('removed-operation', op))
      else compareWebhooks(ctx, op, isRecord(bItem) ? bItem : {}, recordAt(bItem, method), aItem, recordAt(aItem, method))
    }
  }
  // Generated SDKs name their types after the component schemas.
  const aSchemas = recordAt(recordAt(after, 'components'), 'schemas')
  for (const name of Object.keys(recordAt(recordAt(before, 'components'), 'schemas'))) {
    if (!(name in aSchemas)) ctx.changes.add(id('removed-component', name))
  }
  return [...ctx.changes].sort()
}
