import { suite } from '../helpers/suite.js'
import YAML from 'yaml'
import { ConfigError, loadConfig } from '../../lib/config.js'
import { YAML_1_1_TIMESTAMP } from '../../lib/openapi/yaml.js'
import { buildTestApp } from '../helpers/app.js'

interface ProblemTypeEntry { type: string, code: string, status: number, title: string, description: string }

export default suite(import.meta, (t) => {
  t.test('/swagger/yaml has no anchors or aliases and loads like the JSON in YAML 1.1 and 1.2', async (t) => {
    const app = await buildTestApp(t)
    const json: unknown = (await app.inject({ method: 'GET', url: '/swagger/json' })).json()
    const res = await app.inject({ method: 'GET', url: '/swagger/yaml' })
    t.equal(res.statusCode, 200)
    t.match(res.headers['content-type'], /^application\/yaml(;|$)/, 'application/yaml (RFC 9512)')

    const doc = YAML.parseDocument(res.body)
    t.same(doc.errors, [], 'parses without errors')
    let aliases = 0
    let anchors = 0
    const plainTimestamps: string[] = []
    YAML.visit(doc, {
      Alias () { aliases++ },
      Node (_key, node) { if (node.anchor !== undefined) anchors++ },
      Scalar (_key, node) {
        if (typeof node.value === 'string' && node.type === 'PLAIN' && YAML_1_1_TIMESTAMP.test(node.value)) plainTimestamps.push(node.value)
      }
    })
    t.equal(aliases, 0, 'no aliases')
    t.equal(anchors, 0, 'no anchors')
    t.same(plainTimestamps, [], 'no unquoted timestamp-like string (YAML 1.1 loaders such as PyYAML read those as dates)')
    t.match(res.body, /"2026-11-24T10:00:00\.000Z"/, 'timestamp examples are quoted')
    // Default limits (maxAliasCount 100); yes/no/on/off and numbers-as-strings stay strings.
    t.strictSame(YAML.parse(res.body), json, 'YAML 1.2 (default) reads the same data as the JSON')
    t.strictSame(YAML.parse(res.body, { version: '1.1' }), json, 'YAML 1.1 reads the same data as the JSON')
  })

  t.test('every problem type URI resolves to what its code means', async (t) => {
    const app = await buildTestApp(t)
    const unknown = await app.inject({ method: 'GET', url: '/problems/no-such-problem' })
    t.equal(unknown.statusCode, 404)
    t.equal(unknown.json().code, 'NOT_FOUND')
    t.equal((await app.inject({ method: 'GET', url: '/problems/NOT_A_SLUG' })).statusCode, 400, 'a slug is kebab case')

    const list = await app.inject({ method: 'GET', url: '/problems' })
    t.equal(list.statusCode, 200)
    const entries: ProblemTypeEntry[] = list.json().data
    t.ok(entries.length >= 40, `the registry lists the codes (${entries.length})`)
    t.equal(new Set(entries.map((e) => e.code)).size, entries.length, 'one entry per code')
    for (const entry of entries) {
      const res = await app.inject({ method: 'GET', url: entry.type })
      t.equal(res.statusCode, 200, `${entry.type} resolves`)
      t.same(res.json(), entry, `${entry.type} explains ${entry.code}`)
      t.ok(entry.description.length > 10 && entry.status >= 400, `${entry.code} has a description and an error status`)
    }

    // A real problem's type URI resolves to its code.
    const problem = (await app.inject({ method: 'GET', url: '/api/products' })).json()
    t.equal(problem.code, 'TOKEN_MISSING')
    const explained = await app.inject({ method: 'GET', url: problem.type })
    t.match(explained.json(), { code: 'TOKEN_MISSING', status: 401 })
  })

  t.test('HEAD is not served (it is not in the document): 405 with Allow', async (t) => {
    const app = await buildTestApp(t)
    for (const url of ['/api/products', '/health/live', '/swagger/json']) {
      const res = await app.inject({ method: 'HEAD', url })
      t.equal(res.statusCode, 405, `HEAD ${url}`)
      t.notMatch(String(res.headers.allow), /HEAD/, `Allow of ${url} does not offer HEAD`)
    }
  })

  t.test('servers follows PUBLIC_URL, which is validated', async (t) => {
    const app = await buildTestApp(t, { env: { PUBLIC_URL: 'https://shop.example.com/v1' } })
    const doc = (await app.inject({ method: 'GET', url: '/swagger/json' })).json()
    t.match(doc.servers, [{ url: 'https://shop.example.com/v1' }])
    t.match(doc.paths, { '/api/products': {} }, 'paths are unchanged by a base path')

    t.equal(loadConfig({ PUBLIC_URL: '/' }).publicUrl, '/')
    t.equal(loadConfig({}).publicUrl, '/', 'default: relative to the server that serves the document')
    for (const bad of ['shop.example.com', 'ftp://shop.example.com', 'https://shop.example.com/?a=1', 'https://']) {
      t.throws(() => loadConfig({ PUBLIC_URL: bad }), ConfigError, `PUBLIC_URL=${bad} is rejected`)
    }
  })
})
