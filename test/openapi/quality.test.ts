import { suite } from '../helpers/suite.js'
import { isObject, objectAt, openApiDocument, operations, resolveSchema, type Json, type JsonObject } from './document.js'

/** Probes take no input, need no auth and are not rate limited: no 4xx can happen there. */
const NO_CLIENT_ERRORS = new Set(['GET /health/live', 'GET /health/ready'])

const CAMEL_CASE = /^[a-z][A-Za-z0-9]*$/

/** A schema documents its values when it has examples itself or every part of it does. */
function hasExamples (schema: Json | undefined): boolean {
  if (!isObject(schema)) return false
  // A named schema: the component is checked on its own.
  if (typeof schema.$ref === 'string') return true
  if (Array.isArray(schema.examples) && schema.examples.length > 0) return true
  if (schema.example !== undefined || schema.const !== undefined || Array.isArray(schema.enum)) return true
  const properties = objectAt(schema, 'properties')
  if (Object.keys(properties).length > 0) return Object.values(properties).every(hasExamples)
  if (isObject(schema.items)) return hasExamples(schema.items)
  for (const key of ['anyOf', 'oneOf', 'allOf']) {
    const parts = schema[key]
    if (Array.isArray(parts) && parts.length > 0) return parts.every((part) => hasExamples(part) || (isObject(part) && part.type === 'null'))
  }
  return false
}

/** Which body properties lack examples: precise findings for the report. */
function missingExamples (schema: Json | undefined, pointer = ''): string[] {
  if (hasExamples(schema)) return []
  const properties = objectAt(schema, 'properties')
  if (Object.keys(properties).length === 0) return [pointer === '' ? '(body)' : pointer]
  return Object.entries(properties).flatMap(([name, child]) => missingExamples(child, `${pointer}/${name}`))
}

export default suite(import.meta, (t) => {
  t.test('every operation is documented for clients and code generators', async (t) => {
    const doc = await openApiDocument(t)
    const ops = operations(doc)
    t.ok(ops.length > 0, 'the document has operations')
    const declaredTags = new Set(Array.isArray(doc.tags) ? doc.tags.filter(isObject).map((tag) => tag.name) : [])
    const seenIds = new Map<string, string>()

    for (const { name, operation } of ops) {
      const id = operation.operationId
      t.ok(typeof id === 'string' && CAMEL_CASE.test(id), `${name}: operationId is camelCase (got ${JSON.stringify(id)})`)
      if (typeof id === 'string') {
        t.notOk(seenIds.has(id), `${name}: operationId ${id} is unique (also on ${seenIds.get(id) ?? '-'})`)
        seenIds.set(id, name)
      }
      t.ok(typeof operation.summary === 'string' && operation.summary.trim() !== '', `${name}: has a summary`)
      const tags = Array.isArray(operation.tags) ? operation.tags : []
      t.ok(tags.length > 0 && tags.every((tag) => declaredTags.has(tag)), `${name}: tagged with declared tags (got ${JSON.stringify(tags)})`)

      const statuses = Object.keys(objectAt(operation, 'responses'))
      t.ok(statuses.some((s) => /^2\d\d$/.test(s)), `${name}: documents a success response`)
      if (!NO_CLIENT_ERRORS.has(name)) {
        t.ok(statuses.some((s) => /^4(\d\d|XX)$/.test(s)), `${name}: documents at least one 4xx error (has ${statuses.join(', ')})`)
      }
      // 5xx may be a domain body (readiness answers 503 with its checks); every 4xx is a problem.
      for (const status of statuses.filter((s) => s.startsWith('4'))) {
        const content = objectAt(objectAt(objectAt(operation, 'responses'), status), 'content')
        const schemas = Object.values(content).map((media) => objectAt(media, 'schema'))
        t.ok(schemas.length > 0 && schemas.every((schema) => schema.$ref === '#/components/schemas/Problem'), `${name}: ${status} is a Problem`)
      }
    }
  })

  t.test('every component, parameter, operation and response is described, every component has examples', async (t) => {
    const doc = await openApiDocument(t)
    const missing: string[] = []
    const described = (value: Json | undefined): boolean => isObject(value) && typeof value.description === 'string' && value.description.trim() !== ''
    for (const [name, schema] of Object.entries(objectAt(objectAt(doc, 'components'), 'schemas'))) {
      if (!described(schema)) missing.push(`component ${name}: description`)
      if (!hasExamples(schema) && !(isObject(schema) && schema.$ref !== undefined)) missing.push(`component ${name}: examples (${missingExamples(schema).join(', ')})`)
    }
    for (const { name, operation } of operations(doc)) {
      if (!described(operation)) missing.push(`${name}: description`)
      for (const parameter of Array.isArray(operation.parameters) ? operation.parameters : []) {
        if (!described(parameter)) missing.push(`${name}: parameter ${isObject(parameter) ? String(parameter.name) : '?'} description`)
      }
      for (const [status, response] of Object.entries(objectAt(operation, 'responses'))) {
        if (!described(response) || (isObject(response) && response.description === 'Default Response')) missing.push(`${name} ${status}: description`)
      }
    }
    t.same(missing, [], 'nothing is undocumented')
  })

  t.test('each problem response names its codes, each with an example body of that code and status', async (t) => {
    const doc = await openApiDocument(t)
    const codes = objectAt(objectAt(objectAt(doc, 'components'), 'schemas'), 'ProblemCode').enum
    const known = new Set(Array.isArray(codes) ? codes : [])
    for (const { name, operation } of operations(doc)) {
      for (const [status, response] of Object.entries(objectAt(operation, 'responses'))) {
        const media = objectAt(objectAt(response, 'content'), 'application/problem+json')
        if (objectAt(media, 'schema').$ref !== '#/components/schemas/Problem') continue
        const examples = Object.entries(objectAt(media, 'examples'))
        t.ok(examples.length > 0, `${name} ${status}: lists its codes`)
        for (const [code, example] of examples) {
          t.ok(known.has(code), `${name} ${status}: ${code} is a ProblemCode`)
          t.match(objectAt(example, 'value'), { code, status: Number(status), type: String }, `${name} ${status}: the ${code} example is a ${status} ${code} problem`)
        }
      }
    }
  })

  t.test('every pattern is portable: SDK validators (zod without Unicode mode, Python re, Go RE2) compile it alike', async (t) => {
    const doc = await openApiDocument(t)
    const patterns = new Set<string>()
    const walk = (node: Json | undefined): void => {
      if (Array.isArray(node)) for (const item of node) walk(item)
      else if (isObject(node)) for (const [key, value] of Object.entries(node)) key === 'pattern' && typeof value === 'string' ? patterns.add(value) : walk(value)
    }
    walk(doc)
    t.ok(patterns.size > 0, `${patterns.size} patterns in the document`)
    for (const pattern of patterns) {
      // Unicode property escapes and \u escapes need Unicode mode or are unknown to RE2; lookarounds and backreferences are unknown to RE2.
      t.notMatch(pattern, /\\[pPuk]|\(\?[=!<]/u, `${pattern}: no \\p{...}, \\u, lookaround or backreference`)
      t.doesNotThrow(() => new RegExp(pattern), `${pattern}: compiles without Unicode mode`)
    }
  })

  t.test('request bodies carry examples (on the body or on each property)', async (t) => {
    const doc = await openApiDocument(t)
    const withBody = operations(doc).filter(({ operation }) => isObject(operation.requestBody))
    for (const { name, operation } of withBody) {
      const content = objectAt(operation.requestBody, 'content')
      t.ok(isObject(content['application/json']), `${name}: body is application/json`)
      const missing = missingExamples(resolveSchema(doc, objectAt(content, 'application/json').schema))
      t.same(missing, [], `${name}: body examples present (missing at ${missing.join(', ') || '-'})`)
    }
    t.pass(`${withBody.length} operations with a request body checked`)
  })

  t.test('protected operations declare bearer auth and a 401; public ones declare `security: []`', async (t) => {
    const doc = await openApiDocument(t)
    const schemes = objectAt(objectAt(doc, 'components'), 'securitySchemes')
    t.match(schemes.bearerAuth, { type: 'http', scheme: 'bearer' }, 'bearerAuth scheme is declared')
    for (const { name, path, operation } of operations(doc)) {
      const isProtected = path.startsWith('/api/') || path === '/auth/me'
      const security: JsonObject[] = Array.isArray(operation.security) ? operation.security.filter(isObject) : []
      const bearer = security.some((requirement) => 'bearerAuth' in requirement)
      if (isProtected) {
        t.ok(bearer, `${name}: declares security bearerAuth`)
        t.ok('401' in objectAt(operation, 'responses'), `${name}: documents 401`)
      } else {
        t.same(operation.security, [], `${name}: public, so an explicitly empty security requirement`)
      }
    }
  })
})
