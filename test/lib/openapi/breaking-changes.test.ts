import { suite } from '../../helpers/suite.js'
import { findBreakingChanges } from '../../../lib/openapi/breaking-changes.js'

type Json = Record<string, unknown>

/** A small released document: a read with a named response body, a create with a closed body and a query parameter. */
function released (): Json {
  return {
    openapi: '3.1.0',
    info: { title: 'fixture', version: '1.0.0' },
    paths: {
      '/things/{id}': {
        get: {
          parameters: [{ in: 'path', name: 'id', required: true, schema: { type: 'string', format: 'uuid' } }],
          security: [{ bearerAuth: [] }],
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

const schemas = (doc: Json): Record<string, Json> => {
  const components = doc.components as { schemas: Record<string, Json> }
  return components.schemas
}
const props = (doc: Json, name: string): Record<string, Json> => {
  const schema = schemas(doc)[name]
  return (schema as { properties: Record<string, Json> }).properties
}
const op = (doc: Json, path: string, method: string): Json => {
  const paths = doc.paths as Record<string, Record<string, Json>>
  const item = paths[path]
  if (item === undefined || item[method] === undefined) throw new Error(`fixture has no ${method} ${path}`)
  return item[method]
}

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
      schemas(doc).Thing!.required = ['id', 'title', 'status', 'tags']
    }), [
      'removed-field GET /things/{id} 200 name',
      'removed-field POST /things 201 name'
    ], 'a renamed response field is a removed field in every response that has it')
    t.same(changesAfter((doc) => { delete (op(doc, '/things/{id}', 'get').responses as Json)['200'] }), ['removed-response GET /things/{id} 200'])
    t.same(changesAfter((doc) => { delete (doc.paths as Json)['/things/{id}'] }), ['removed-operation GET /things/{id}'])
    t.same(changesAfter((doc) => {
      const paths = doc.paths as Json
      paths['/items/{id}'] = paths['/things/{id}']
      delete paths['/things/{id}']
    }), ['removed-operation GET /things/{id}'], 'a renamed operation is a removed one (the new one is an addition)')
    t.same(changesAfter((doc) => { schemas(doc).Thing!.required = ['id', 'status', 'tags'] }), [
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
      const tags = props(doc, 'Thing').tags as { items: { properties: Json } }
      tags.items.properties = { text: { type: 'string' } }
    }), [
      'removed-field GET /things/{id} 200 tags[].label',
      'removed-field POST /things 201 tags[].label'
    ], 'fields inside arrays are named by path')
    const get = (doc: Json): Json => op(doc, '/things/{id}', 'get')
    t.same(changesAfter((doc) => { ((get(doc).responses as Json)['200'] as Json).headers = {} }), ['removed-header GET /things/{id} 200 ETag'])
    t.same(changesAfter((doc) => {
      ((get(doc).responses as Json)['200'] as Json).content = { 'application/xml': { schema: { type: 'object' } } }
    }), ['removed-media-type GET /things/{id} 200 application/json'])
  })

  t.test('requests: what clients sent is refused now', async (t) => {
    t.same(changesAfter((doc) => { schemas(doc).CreateThing!.required = ['name', 'price'] }), ['required-field POST /things request price'])
    t.same(changesAfter((doc) => { props(doc, 'CreateThing').sku = { type: 'string' }; schemas(doc).CreateThing!.required = ['name', 'sku'] }), ['required-field POST /things request sku'])
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
    t.same(changesAfter((doc) => { delete schemas(doc).CreateThing!.additionalProperties; schemas(doc).Thing!.additionalProperties = false }), [],
      'opening a request body is not breaking')
    t.same(changesAfter((doc) => { delete schemas(doc).CreateThing!.additionalProperties })
      .concat(findBreakingChanges({ ...released(), components: { schemas: { ...schemas(released()), CreateThing: { ...schemas(released()).CreateThing, additionalProperties: true } } } }, released())),
    ['closed-object POST /things request'], 'closing one is')
    const post = (doc: Json): Json => op(doc, '/things', 'post')
    t.same(changesAfter((doc) => { post(doc).parameters = [{ in: 'query', name: 'dry_run', required: true, schema: { type: 'boolean' } }] }), ['required-parameter POST /things query dry_run'])
    t.same(changesAfter((doc) => { post(doc).parameters = [...(post(doc).parameters as Json[]), { in: 'header', name: 'X-Tenant', required: true, schema: { type: 'string' } }] }), ['required-parameter POST /things header x-tenant'])
    t.same(changesAfter((doc) => { post(doc).parameters = [] }), ['removed-parameter POST /things query dry_run'])
    t.same(changesAfter((doc) => { post(doc).parameters = [{ in: 'query', name: 'dry_run', schema: { type: 'string', enum: ['yes'] } }] }), ['changed-type POST /things query dry_run boolean->string'])
    t.same(changesAfter((doc) => { post(doc).security = [{ bearerAuth: [] }] }), ['required-auth POST /things'])
    t.same(changesAfter((doc) => { delete post(doc).requestBody }).length, 0, 'a body no longer read is not breaking')
    t.same(findBreakingChanges(changesAfterDoc((doc) => { delete post(doc).requestBody }), released()), ['required-body POST /things'], 'a body now required is')
  })

  t.test('additions and widenings are not breaking', async (t) => {
    t.same(findBreakingChanges(released(), released()), [], 'the same document')
    t.same(changesAfter((doc) => { props(doc, 'Thing').color = { type: 'string' }; props(doc, 'CreateThing').color = { type: 'string' } }), [], 'an added optional field')
    t.same(changesAfter((doc) => { (doc.paths as Json)['/other'] = { get: { responses: { 200: { description: 'ok' } } } } }), [], 'an added operation')
    t.same(changesAfter((doc) => { (op(doc, '/things/{id}', 'get').responses as Json)['304'] = { description: 'not modified' } }), [], 'an added response')
    t.same(changesAfter((doc) => { props(doc, 'CreateThing').name = { anyOf: [{ type: 'string', maxLength: 300 }, { type: 'null' }] } }), [], 'a widened request type and bound')
    t.same(changesAfter((doc) => { props(doc, 'CreateThing').price = { type: 'number' } }), [], 'a dropped minimum')
    t.same(changesAfter((doc) => { props(doc, 'CreateThing').status = { anyOf: [{ type: 'string', enum: ['new'] }, { type: 'string', enum: ['done'] }, { type: 'string', enum: ['archived'] }] } }), [], 'an added request enum value')
    t.same(changesAfter((doc) => { props(doc, 'Thing').status = { anyOf: [{ type: 'string', enum: ['new'] }, { type: 'string', enum: ['done'] }, { type: 'string', enum: ['archived'] }] } }), [], 'an added response enum value (clients tolerate unknown values)')
    t.same(changesAfter((doc) => { props(doc, 'Thing').note = { type: 'string' } }), [], 'a response field that is no longer null')
    t.same(changesAfter((doc) => { props(doc, 'Thing').name = { type: 'string', maxLength: 10 } }), [], 'a response bound (clients do not validate what they get)')
    t.same(changesAfter((doc) => { (op(doc, '/things/{id}', 'get') as Json).deprecated = true }), [], 'a deprecation')
    t.same(changesAfter((doc) => { schemas(doc).Thing!.description = 'changed words'; delete schemas(doc).Thing!.examples }), [], 'documentation')
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
