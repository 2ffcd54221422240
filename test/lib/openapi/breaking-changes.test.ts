import { readFile } from 'node:fs/promises'
import { suite } from '../../helpers/suite.js'
import { findBreakingChanges } from '../../../lib/openapi/breaking-changes.js'
import { RELEASED_DOCUMENT } from '../../../lib/openapi/release.js'

type Json = Record<string, unknown>

/**
 * A small released document: a read with a named response body and a role list, a list any
 * signed-in account or a scoped API key may call with a defaulted query parameter, and a public
 * create with a closed body and a query parameter.
 */
function released (): Json {
  return {
    openapi: '3.1.0',
    info: { title: 'fixture', version: '1.0.0' },
    paths: {
      '/things/{id}': {
        get: {
          parameters: [{ in: 'path', name: 'id', required: true, schema: { type: 'string', format: 'uuid' } }],
          security: [{ bearerAuth: ['staff', 'admin'] }],
          responses: {
            200: {
              description: 'A thing',
              headers: { ETag: { schema: { type: 'string' } } },
              content: { 'application/json': { schema: { $ref: '#/components/schemas/Thing' } } }
            },
            404: { description: 'Not found', content: { 'application/problem+json': { schema: { type: 'object' } } } }
          }
        }
      },
      '/things': {
        get: {
          parameters: [{ in: 'query', name: 'limit', required: false, schema: { type: 'integer', minimum: 1, maximum: 1000, default: 100 } }],
          security: [{ bearerAuth: [] }, { apiKey: ['things:read'] }],
          responses: { 200: { description: 'A page of things' } }
        },
        post: {
          parameters: [{ in: 'query', name: 'dry_run', required: false, schema: { type: 'boolean' } }],
          security: [],
          requestBody: { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/CreateThing' } } } },
          responses: { 201: { description: 'Created', content: { 'application/json': { schema: { $ref: '#/components/schemas/Thing' } } } } }
        }
      }
    },
    components: {
      schemas: {
        Thing: {
          type: 'object',
          required: ['id', 'name', 'status', 'tags'],
          properties: {
            id: { type: 'string' },
            name: { type: 'string', maxLength: 200 },
            status: { anyOf: [{ type: 'string', enum: ['new'] }, { type: 'string', enum: ['done'] }] },
            note: { anyOf: [{ type: 'string' }, { type: 'null' }] },
            count: { type: 'integer' },
            tags: { type: 'array', items: { type: 'object', required: ['label'], properties: { label: { type: 'string' } } } }
          }
        },
        CreateThing: {
          type: 'object',
          additionalProperties: false,
          required: ['name'],
          properties: {
            name: { type: 'string', minLength: 1, maxLength: 200 },
            status: { anyOf: [{ type: 'string', enum: ['new'] }, { type: 'string', enum: ['done'] }] },
            note: { anyOf: [{ type: 'string' }, { type: 'null' }] },
            price: { type: 'number', minimum: 0 },
            tags: { type: 'array', items: { type: 'string' }, maxItems: 10 }
          }
        }
      }
    }
  }
}

const isRecord = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value)

/** The object at `keys` inside `value` (the fixture's own shape: a missing one is a broken test). */
function node (value: unknown, ...keys: string[]): Json {
  let current = value
  for (const key of keys) current = isRecord(current) ? current[key] : undefined
  if (!isRecord(current)) throw new Error(`fixture has no object at ${keys.join('.')}`)
  return current
}
const schemas = (doc: Json): Json => node(doc, 'components', 'schemas')
const schema = (doc: Json, name: string): Json => node(doc, 'components', 'schemas', name)
const props = (doc: Json, name: string): Json => node(doc, 'components', 'schemas', name, 'properties')
const op = (doc: Json, path: string, method: string): Json => node(doc, 'paths', path, method)

/** The breaking changes after applying `change` to a copy of the released fixture. */
function changesAfter (change: (doc: Json) => void): string[] {
  const after = structuredClone(released())
  change(after)
  return findBreakingChanges(released(), after)
}

export default suite(import.meta, (t) => {
  t.test('responses: what clients relied on disappears or changes type', async (t) => {
    t.same(changesAfter((doc) => {
      const p = props(doc, 'Thing')
      p.title = p.name ?? {}
      delete p.name
      schema(doc, 'Thing').required = ['id', 'title', 'status', 'tags']
    }), [
      'removed-field GET /things/{id} 200 name',
      'removed-field POST /things 201 name'
    ], 'a renamed response field is a removed field in every response that has it')
    t.same(changesAfter((doc) => { delete node(doc, 'paths', '/things/{id}', 'get', 'responses')['200'] }), ['removed-response GET /things/{id} 200'])
    t.same(changesAfter((doc) => { delete node(doc, 'paths')['/things/{id}'] }), ['removed-operation GET /things/{id}'])
    t.same(changesAfter((doc) => {
      const paths = node(doc, 'paths')
      paths['/items/{id}'] = paths['/things/{id}']
      delete paths['/things/{id}']
    }), ['removed-operation GET /things/{id}'], 'a renamed operation is a removed one (the new one is an addition)')
    t.same(changesAfter((doc) => { schema(doc, 'Thing').required = ['id', 'status', 'tags'] }), [
      'optional-field GET /things/{id} 200 name',
      'optional-field POST /things 201 name'
    ], 'a response field that may now be missing')
    t.same(changesAfter((doc) => { props(doc, 'Thing').status = { type: 'string', enum: ['new'] } }), [
      'removed-enum-value GET /things/{id} 200 status done',
      'removed-enum-value POST /things 201 status done'
    ])
    t.same(changesAfter((doc) => { props(doc, 'Thing').count = { type: 'string' } }), [
      'changed-type GET /things/{id} 200 count integer->string',
      'changed-type POST /things 201 count integer->string'
    ])
    t.same(changesAfter((doc) => { props(doc, 'Thing').count = { type: 'number' } }), [
      'changed-type GET /things/{id} 200 count integer->number',
      'changed-type POST /things 201 count integer->number'
    ], 'a response integer that may now be fractional')
    t.same(changesAfter((doc) => { props(doc, 'Thing').name = { anyOf: [{ type: 'string' }, { type: 'null' }] } }), [
      'changed-type GET /things/{id} 200 name string->null|string',
      'changed-type POST /things 201 name string->null|string'
    ], 'a response field that may now be null')
    t.same(changesAfter((doc) => {
      node(props(doc, 'Thing'), 'tags', 'items').properties = { text: { type: 'string' } }
    }), [
      'removed-field GET /things/{id} 200 tags[].label',
      'removed-field POST /things 201 tags[].label'
    ], 'fields inside arrays are named by path')
    const get = (doc: Json): Json => op(doc, '/things/{id}', 'get')
    t.same(changesAfter((doc) => { node(get(doc), 'responses', '200').headers = {} }), ['removed-header GET /things/{id} 200 ETag'])
    t.same(changesAfter((doc) => {
      node(get(doc), 'responses', '200').content = { 'application/xml': { schema: { type: 'object' } } }
    }), ['removed-media-type GET /things/{id} 200 application/json'])
  })

  t.test('requests: what clients sent is refused now', async (t) => {
    t.same(changesAfter((doc) => { schema(doc, 'CreateThing').required = ['name', 'price'] }), ['required-field POST /things request price'])
    t.same(changesAfter((doc) => { props(doc, 'CreateThing').sku = { type: 'string' }; schema(doc, 'CreateThing').required = ['name', 'sku'] }), ['required-field POST /things request sku'])
    t.same(changesAfter((doc) => { delete props(doc, 'CreateThing').note }), ['removed-field POST /things request note'], 'a closed body now rejects the field')
    t.same(changesAfter((doc) => { props(doc, 'CreateThing').status = { type: 'string', enum: ['new'] } }), ['removed-enum-value POST /things request status done'])
    t.same(changesAfter((doc) => { props(doc, 'CreateThing').note = { type: 'string' } }), ['changed-type POST /things request note null|string->string'], 'nullable removed from an input')
    t.same(changesAfter((doc) => { props(doc, 'CreateThing').price = { type: 'integer', minimum: 0 } }), ['changed-type POST /things request price number->integer'])
    t.same(changesAfter((doc) => { props(doc, 'CreateThing').name = { type: 'integer' } }), ['changed-type POST /things request name string->integer'])
    t.same(changesAfter((doc) => { props(doc, 'CreateThing').name = { type: 'string', minLength: 1, maxLength: 100 } }), ['narrowed-bound POST /things request name maxLength 200->100'])
    t.same(changesAfter((doc) => { props(doc, 'CreateThing').name = { type: 'string', minLength: 2, maxLength: 200 } }), ['narrowed-bound POST /things request name minLength 1->2'])
    t.same(changesAfter((doc) => { props(doc, 'CreateThing').price = { type: 'number', minimum: 1 } }), ['narrowed-bound POST /things request price minimum 0->1'])
    t.same(changesAfter((doc) => { props(doc, 'CreateThing').price = { type: 'number', minimum: 0, maximum: 1000 } }), ['narrowed-bound POST /things request price maximum none->1000'])
    t.same(changesAfter((doc) => { props(doc, 'CreateThing').tags = { type: 'array', items: { type: 'string', pattern: '^[a-z]+$' }, maxItems: 5 } }), [
      'narrowed-bound POST /things request tags maxItems 10->5',
      'narrowed-bound POST /things request tags[] pattern'
    ])
    t.same(changesAfter((doc) => { props(doc, 'CreateThing').note = { type: 'string', enum: ['a'] } }), [
      'changed-type POST /things request note null|string->string',
      'narrowed-bound POST /things request note enum'
    ])
    t.same(changesAfter((doc) => { delete schema(doc, 'CreateThing').additionalProperties; schema(doc, 'Thing').additionalProperties = false }), [],
      'opening a request body is not breaking')
    t.same(changesAfter((doc) => { delete schema(doc, 'CreateThing').additionalProperties })
      .concat(findBreakingChanges({ ...released(), components: { schemas: { ...schemas(released()), CreateThing: { ...schema(released(), 'CreateThing'), additionalProperties: true } } } }, released())),
    ['closed-object POST /things request'], 'closing one is')
    const post = (doc: Json): Json => op(doc, '/things', 'post')
    t.same(changesAfter((doc) => { post(doc).parameters = [{ in: 'query', name: 'dry_run', required: true, schema: { type: 'boolean' } }] }), ['required-parameter POST /things query dry_run'])
    t.same(changesAfter((doc) => { post(doc).parameters = [{ in: 'query', name: 'dry_run', required: false, schema: { type: 'boolean' } }, { in: 'header', name: 'X-Tenant', required: true, schema: { type: 'string' } }] }), ['required-parameter POST /things header x-tenant'])
    t.same(changesAfter((doc) => { post(doc).parameters = [] }), ['removed-parameter POST /things query dry_run'])
    t.same(changesAfter((doc) => { post(doc).parameters = [{ in: 'query', name: 'dry_run', schema: { type: 'string', enum: ['yes'] } }] }), ['changed-type POST /things query dry_run boolean->string'])
    t.same(changesAfter((doc) => { post(doc).security = [{ bearerAuth: [] }] }), ['required-auth POST /things'])
    t.same(changesAfter((doc) => { delete post(doc).requestBody }).length, 0, 'a body no longer read is not breaking')
    t.same(findBreakingChanges(changesAfterDoc((doc) => { delete post(doc).requestBody }), released()), ['required-body POST /things'], 'a body now required is')
  })

  t.test('security: credentials accepted before are refused now', async (t) => {
    const list = (doc: Json): Json => op(doc, '/things', 'get')
    const read = (doc: Json): Json => op(doc, '/things/{id}', 'get')
    t.same(changesAfter((doc) => { list(doc).security = [{ bearerAuth: [] }] }), ['removed-security GET /things apiKey'], 'API keys no longer accepted')
    t.same(changesAfter((doc) => { list(doc).security = [{ bearerAuth: [] }, { apiKey: ['things:write'] }] }), ['narrowed-security GET /things apiKey things:read'], 'a scope replaced')
    t.same(changesAfter((doc) => { read(doc).security = [{ bearerAuth: ['admin'] }] }), ['narrowed-security GET /things/{id} bearerAuth staff'], 'a role gone')
    t.same(changesAfter((doc) => { list(doc).security = [{ bearerAuth: ['admin'] }, { apiKey: ['things:read'] }] }), ['narrowed-security GET /things bearerAuth any'], 'any account, now some roles')
    t.same(changesAfter((doc) => { read(doc).security = [{ apiKey: ['things:read'] }] }), ['removed-security GET /things/{id} bearerAuth'], 'a scheme swapped')
    t.same(changesAfter((doc) => { list(doc).security = [{ bearerAuth: [] }, { apiKey: ['things:read'] }, { apiKey: [] }] }).length, 0, 'alternatives of a scheme are one list (an empty one: any key)')
    t.same(changesAfter((doc) => { op(doc, '/things', 'post').security = [{ bearerAuth: ['admin'] }] }), ['required-auth POST /things'], 'a public operation that needs credentials is required-auth only')
    t.same(changesAfter((doc) => { delete list(doc).security; doc.security = [{ bearerAuth: [] }] }), ['removed-security GET /things apiKey'], 'the document-wide security applies where an operation has none')

    const combined = changesAfterDoc((doc) => { read(doc).security = [{ bearerAuth: ['staff'], apiKey: ['things:read'] }] })
    t.same(findBreakingChanges(combined, structuredClone(combined)), [], 'an alternative needing several schemes at once, unchanged')
    const changed = structuredClone(combined)
    read(changed).security = [{ apiKey: ['things:read'], bearerAuth: ['staff', 'admin'] }]
    t.same(findBreakingChanges(combined, changed), ['removed-security GET /things/{id} apiKey+bearerAuth'], 'and changed: reported whole, even if it widened')
  })

  t.test('parameter defaults: clients that leave a parameter out get something else', async (t) => {
    const limit = (doc: Json): Json => {
      const parameters = op(doc, '/things', 'get').parameters
      return node(Array.isArray(parameters) ? parameters[0] : undefined, 'schema')
    }
    t.same(changesAfter((doc) => { limit(doc).default = 20 }), ['changed-default GET /things query limit 100->20'], 'a default changed')
    t.same(changesAfter((doc) => { delete limit(doc).default }), ['changed-default GET /things query limit 100->none'], 'a default gone: the server no longer promises one')
    t.same(changesAfter((doc) => { op(doc, '/things', 'post').parameters = [{ in: 'query', name: 'dry_run', required: false, schema: { type: 'boolean', default: false } }] }), [], 'a default where there was none')
  })

  t.test('the served document: what a black-box probe found missed', async (t) => {
    const served: Json = JSON.parse(await readFile(new URL(`../../../${RELEASED_DOCUMENT}`, import.meta.url), 'utf8'))
    const edited = (change: (doc: Json) => void): string[] => {
      const after = structuredClone(served)
      change(after)
      return findBreakingChanges(served, after)
    }
    const requirement = (doc: Json, path: string, method: string, scheme: string): Json => {
      const security = op(doc, path, method).security
      const found = Array.isArray(security) ? security.find((r): r is Json => isRecord(r) && scheme in r) : undefined
      if (found === undefined) throw new Error(`${method} ${path} has no ${scheme} requirement`)
      return found
    }
    t.same(edited((doc) => {
      const listProducts = op(doc, '/api/products', 'get')
      if (!Array.isArray(listProducts.security)) throw new Error('listProducts has no security')
      listProducts.security = listProducts.security.filter((r) => !(isRecord(r) && 'apiKey' in r))
    }), ['removed-security GET /api/products apiKey'], 'listProducts without API keys')
    t.same(edited((doc) => { requirement(doc, '/api/products', 'get', 'apiKey').apiKey = ['products:write'] }), ['narrowed-security GET /api/products apiKey products:read'], 'listProducts scope products:read -> products:write')
    t.same(edited((doc) => { requirement(doc, '/api/products', 'post', 'bearerAuth').bearerAuth = ['admin'] }), ['narrowed-security POST /api/products bearerAuth staff'], 'createProduct for admins only')
    t.same(edited((doc) => {
      const parameters = op(doc, '/api/events', 'get').parameters
      const limit = Array.isArray(parameters) ? parameters.find((p): p is Json => isRecord(p) && p.name === 'limit') : undefined
      node(limit, 'schema').default = 20
    }), ['changed-default GET /api/events query limit 100->20'], 'the event feed page size default')
  })

  t.test('composition, untyped enums, maps and type arrays are read', async (t) => {
    t.same(changesAfter((doc) => {
      schemas(doc).Thing = { allOf: [{ $ref: '#/components/schemas/Base' }, { type: 'object', required: ['status', 'tags'], properties: { status: props(doc, 'Thing').status, tags: props(doc, 'Thing').tags } }] }
      schemas(doc).Base = { type: 'object', required: ['id'], properties: { id: { type: 'string' } } }
    }), [
      'removed-field GET /things/{id} 200 count', 'removed-field GET /things/{id} 200 name', 'removed-field GET /things/{id} 200 note',
      'removed-field POST /things 201 count', 'removed-field POST /things 201 name', 'removed-field POST /things 201 note'
    ], 'allOf parts are merged: only the fields no part has are gone')
    t.same(changesAfter((doc) => { props(doc, 'CreateThing').status = { enum: ['new', 'done', 3] } }), [], 'an untyped enum is typed by its values')
    t.same(changesAfter((doc) => { props(doc, 'CreateThing').status = { enum: ['new', null] } }), ['removed-enum-value POST /things request status done'])
    t.same(changesAfter((doc) => { props(doc, 'Thing').count = { type: ['integer', 'null'] } }), [
      'changed-type GET /things/{id} 200 count integer->integer|null',
      'changed-type POST /things 201 count integer->integer|null'
    ], 'type arrays')
    t.same(changesAfter((doc) => { props(doc, 'Thing').note = { type: 'string', nullable: true } }), [], 'OpenAPI 3.0 nullable is a null branch')
    t.same(changesAfter((doc) => { props(doc, 'Thing').tags = { items: { required: ['label'], properties: { label: { type: 'string' } } } } }), [], 'object and array without a type keyword')
    t.same(changesAfter((doc) => { props(doc, 'Thing').count = {} }), [
      'changed-type GET /things/{id} 200 count integer->any',
      'changed-type POST /things 201 count integer->any'
    ], 'a response that may now be anything')
    t.same(changesAfter((doc) => {
      props(doc, 'CreateThing').labels = { type: 'object', additionalProperties: { type: 'string', maxLength: 5 } }
    }), [], 'an added map')
    const withMap = (maxLength: number) => (doc: Json): void => { props(doc, 'CreateThing').labels = { type: 'object', additionalProperties: { type: 'string', maxLength } } }
    const before = structuredClone(released())
    withMap(10)(before)
    const after = structuredClone(released())
    withMap(5)(after)
    t.same(findBreakingChanges(before, after), ['narrowed-bound POST /things request labels.* maxLength 10->5'], 'map values are compared')

    // A discriminated union: one object per value of `status`, each with its own `data`.
    const variant = (status: string, data: Json): Json => ({ type: 'object', required: ['id', 'name', 'status', 'tags'], properties: { ...props(released(), 'Thing'), status: { const: status }, data } })
    const split = (statuses: string[]) => (doc: Json): void => {
      schemas(doc).Thing = { oneOf: statuses.map((status) => variant(status, { type: 'object', properties: { size: { type: 'integer' } } })) }
    }
    t.same(changesAfter(split(['new', 'done'])), [], 'an object split into one variant per status keeps every status and field')
    t.same(changesAfter(split(['new'])), [
      'removed-enum-value GET /things/{id} 200 status done',
      'removed-enum-value POST /things 201 status done'
    ], 'a variant gone is a status gone')
    t.same(changesAfter((doc) => {
      schemas(doc).Thing = { oneOf: [variant('new', {}), { ...variant('done', {}), required: ['id', 'status', 'tags'] }] }
    }), ['optional-field GET /things/{id} 200 name', 'optional-field POST /things 201 name'], 'a field one variant may leave out is optional')
  })

  t.test('additions and widenings are not breaking', async (t) => {
    t.same(findBreakingChanges(released(), released()), [], 'the same document')
    t.same(changesAfter((doc) => { props(doc, 'Thing').color = { type: 'string' }; props(doc, 'CreateThing').color = { type: 'string' } }), [], 'an added optional field')
    t.same(changesAfter((doc) => { node(doc, 'paths')['/other'] = { get: { responses: { 200: { description: 'ok' } } } } }), [], 'an added operation')
    t.same(changesAfter((doc) => { node(doc, 'paths', '/things/{id}', 'get', 'responses')['304'] = { description: 'not modified' } }), [], 'an added response')
    t.same(changesAfter((doc) => { props(doc, 'CreateThing').name = { anyOf: [{ type: 'string', maxLength: 300 }, { type: 'null' }] } }), [], 'a widened request type and bound')
    t.same(changesAfter((doc) => { props(doc, 'CreateThing').price = { type: 'number' } }), [], 'a dropped minimum')
    t.same(changesAfter((doc) => { props(doc, 'CreateThing').status = { anyOf: [{ type: 'string', enum: ['new'] }, { type: 'string', enum: ['done'] }, { type: 'string', enum: ['archived'] }] } }), [], 'an added request enum value')
    t.same(changesAfter((doc) => { props(doc, 'Thing').status = { anyOf: [{ type: 'string', enum: ['new'] }, { type: 'string', enum: ['done'] }, { type: 'string', enum: ['archived'] }] } }), [], 'an added response enum value (clients tolerate unknown values)')
    t.same(changesAfter((doc) => { props(doc, 'Thing').note = { type: 'string' } }), [], 'a response field that is no longer null')
    t.same(changesAfter((doc) => { props(doc, 'Thing').name = { type: 'string', maxLength: 10 } }), [], 'a response bound (clients do not validate what they get)')
    t.same(changesAfter((doc) => { op(doc, '/things/{id}', 'get').security = [{ bearerAuth: ['staff', 'admin', 'support'] }] }), [], 'an added role')
    t.same(changesAfter((doc) => { op(doc, '/things/{id}', 'get').security = [{ bearerAuth: ['admin', 'staff'] }] }), [], 'roles reordered')
    t.same(changesAfter((doc) => { op(doc, '/things/{id}', 'get').security = [{ bearerAuth: [] }] }), [], 'any signed-in account where some roles were')
    t.same(changesAfter((doc) => { op(doc, '/things', 'get').security = [{ bearerAuth: [] }, { apiKey: ['things:read', 'things:write'] }] }), [], 'an added scope (a key needs one)')
    t.same(changesAfter((doc) => { op(doc, '/things/{id}', 'get').security = [{ bearerAuth: ['staff', 'admin'] }, { apiKey: ['things:read'] }] }), [], 'an added API key alternative')
    t.same(changesAfter((doc) => { op(doc, '/things', 'get').security = [] }), [], 'an operation made public')
    t.same(changesAfter((doc) => { op(doc, '/things/{id}', 'get').deprecated = true }), [], 'a deprecation')
    t.same(changesAfter((doc) => { schema(doc, 'Thing').description = 'changed words'; delete schema(doc, 'Thing').examples }), [], 'documentation')
  })

  t.test('SDK names: a renamed operationId or a component that is gone', async (t) => {
    t.same(changesAfter((doc) => { op(doc, '/things/{id}', 'get').operationId = 'fetchThing' }), [], 'an operationId where there was none')
    const named = changesAfterDoc((doc) => { op(doc, '/things/{id}', 'get').operationId = 'getThing' })
    const renamed = structuredClone(named)
    op(renamed, '/things/{id}', 'get').operationId = 'fetchThing'
    t.same(findBreakingChanges(named, renamed), ['renamed-operation GET /things/{id} getThing->fetchThing'])
    const moved = changesAfterDoc((doc) => {
      const schemas = node(doc, 'components', 'schemas')
      schemas.ThingInput = schemas.CreateThing
      delete schemas.CreateThing
      node(doc, 'paths', '/things', 'post', 'requestBody', 'content', 'application/json').schema = { $ref: '#/components/schemas/ThingInput' }
    })
    t.same(findBreakingChanges(released(), moved), ['removed-component CreateThing'], 'a rename with the same fields is only the lost type name')
  })

  t.test('webhooks: what receivers read is compared as a response', async (t) => {
    const withWebhook = changesAfterDoc((doc) => {
      doc.webhooks = {
        'thing.done': {
          post: {
            parameters: [
              { in: 'header', name: 'webhook-id', required: true, schema: { type: 'string' } },
              { in: 'header', name: 'webhook-signature', required: true, schema: { type: 'string' } }
            ],
            requestBody: { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/Thing' } } } },
            responses: { '2XX': { description: 'received' } }
          }
        }
      }
    })
    const after = (change: (doc: Json) => void): string[] => {
      const doc = structuredClone(withWebhook)
      change(doc)
      return findBreakingChanges(withWebhook, doc)
    }
    const webhook = (doc: Json): Json => node(doc, 'webhooks', 'thing.done', 'post')
    t.same(after((doc) => { delete node(doc, 'webhooks')['thing.done'] }), ['removed-operation POST webhook thing.done'], 'an event type no longer sent')
    t.same(after((doc) => { delete props(doc, 'Thing').name }), [
      'removed-field GET /things/{id} 200 name',
      'removed-field POST /things 201 name',
      'removed-field POST webhook thing.done request name'
    ], 'a field gone from the body receivers parse')
    t.same(after((doc) => { props(doc, 'Thing').count = { type: 'number' } }), [
      'changed-type GET /things/{id} 200 count integer->number',
      'changed-type POST /things 201 count integer->number',
      'changed-type POST webhook thing.done request count integer->number'
    ], 'a body type receivers were not told about')
    t.same(after((doc) => { webhook(doc).parameters = [{ in: 'header', name: 'webhook-id', required: true, schema: { type: 'string' } }] }),
      ['removed-header POST webhook thing.done webhook-signature'], 'a header receivers verify with is gone')
    t.same(after((doc) => { webhook(doc).parameters = [{ in: 'header', name: 'Webhook-Id', schema: { type: 'integer' } }, { in: 'header', name: 'webhook-signature', schema: { type: 'string' } }] }),
      ['changed-type POST webhook thing.done header webhook-id string->integer'], 'a header sent as another type (names compared without case)')
    t.same(after((doc) => {
      props(doc, 'Thing').status = { anyOf: [{ type: 'string', enum: ['new'] }, { type: 'string', enum: ['done'] }, { type: 'string', enum: ['archived'] }] }
      props(doc, 'Thing').color = { type: 'string' }
      node(doc, 'webhooks')['thing.gone'] = structuredClone(node(doc, 'webhooks', 'thing.done'))
      const headers: unknown = webhook(doc).parameters
      webhook(doc).parameters = [...(Array.isArray(headers) ? headers : []), { in: 'header', name: 'webhook-extra', schema: { type: 'string' } }]
    }), [], 'an added field, enum value, event type or header is not breaking')
    t.same(findBreakingChanges(released(), withWebhook), [], 'adding webhooks to a document')
  })

  t.test('recursive schemas end', async (t) => {
    const recursive = (): Json => ({
      paths: { '/tree': { get: { responses: { 200: { description: 'tree', content: { 'application/json': { schema: { $ref: '#/components/schemas/Node' } } } } } } } },
      components: { schemas: { Node: { type: 'object', properties: { name: { type: 'string' }, children: { type: 'array', items: { $ref: '#/components/schemas/Node' } } } } } }
    })
    const after = recursive()
    delete props(after, 'Node').name
    t.same(findBreakingChanges(recursive(), after), ['removed-field GET /tree 200 name'])
    t.throws(() => findBreakingChanges([], {}), /is an object/)
  })
})

function changesAfterDoc (change: (doc: Json) => void): Json {
  const doc = structuredClone(released())
  change(doc)
  return doc
}
