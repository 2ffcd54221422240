import { readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { suite } from '../../helpers/suite.js'
import { buildTestApp } from '../../helpers/app.js'
import { createUser } from '../../helpers/users.js'
import { objectAt, openApiDocument } from '../../openapi/document.js'
import { problemTypes } from '../../../routes/problems/catalog.js'

const ROOT = fileURLToPath(new URL('../../../', import.meta.url))

function * sourceFiles (dir: string): Generator<string> {
  for (const entry of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) yield * sourceFiles(path)
    else if (entry.name.endsWith('.ts')) yield path
  }
}
const SOURCES = ['app.ts', ...['lib', 'plugins', 'routes', 'db'].flatMap((dir) => [...sourceFiles(dir)])]
  .map((path) => ({ path: relative(ROOT, join(ROOT, path)), text: readFileSync(join(ROOT, path), 'utf8') }))

export default suite(import.meta, (t) => {
  const catalogue = problemTypes()
  const codes = new Set(catalogue.map((entry) => entry.code))

  t.test('a problem can only be sent through a definition: no status or code literal builds one', async (t) => {
    const bareConstructions = SOURCES.flatMap(({ path, text }) =>
      [...text.matchAll(/new AppError\(\s*(\d+|'[A-Z_]+')|\bstatus: \d{3}, code:|\b(notFound|conflict)\('/g)].map((match) => `${path}: ${match[0]}`))
    t.same(bareConstructions, [], 'problems name a definition, not a status and a string')
  })

  t.test('every code the source sends through a definition is in the catalogue', async (t) => {
    const referenced = new Set(SOURCES.flatMap(({ text }) => [...text.matchAll(/\b[A-Z]+_PROBLEMS(?:\.([A-Z][A-Z0-9_]+)|\[)/g)].map((match) => match[1] ?? '')))
    referenced.delete('')
    t.ok(referenced.size > 40, `found the definitions used (${referenced.size})`)
    for (const code of referenced) t.ok(codes.has(code), `${code} is catalogued`)
    // The codes the issue found sent without a page, and the unreachable one that was removed.
    for (const code of ['BODY_TOO_DEEP', 'HEADERS_TOO_LARGE', 'MALFORMED_REQUEST', 'EXPECTATION_FAILED', 'REQUEST_TIMEOUT', 'WEBHOOK_NOT_FOUND', 'WEBHOOK_DELIVERY_NOT_FOUND', 'WEBHOOK_URL_NOT_ALLOWED', 'NOT_ACCEPTABLE']) {
      t.ok(codes.has(code), `${code} is catalogued`)
    }
    for (const code of ['INVALID_CONTENT_LENGTH', 'UNAUTHORIZED', 'CONFLICT']) t.notOk(codes.has(code), `${code}, which nothing sends, is not`)
  })

  t.test('every problem type URI resolves to its page, with the title problems of that code carry', async (t) => {
    const app = await buildTestApp(t)
    const list = await app.inject({ method: 'GET', url: '/problems' })
    t.equal(list.statusCode, 200)
    t.same(list.json().data, catalogue, 'GET /problems is the catalogue')
    for (const entry of catalogue) {
      const page = await app.inject({ method: 'GET', url: entry.type })
      t.equal(page.statusCode, 200, `${entry.type} resolves`)
      t.same(page.json(), entry)
    }
    const unknown = await app.inject({ method: 'GET', url: '/problems/no-such-problem' })
    t.equal(unknown.statusCode, 404)
    t.equal(unknown.json().code, 'NOT_FOUND')

    // A problem body carries its type's title, not the HTTP reason phrase.
    const staff = await createUser(app, 'staff')
    const missing = await app.inject({ method: 'GET', url: '/api/products/3f1c9b2e-6a4d-4e8b-9c1a-2b7d5e8f0a13', headers: staff.headers })
    t.equal(missing.statusCode, 404)
    t.match(missing.json(), { code: 'PRODUCT_NOT_FOUND', type: '/problems/product-not-found', title: 'Product not found' })
    const bad = await app.inject({ method: 'POST', url: '/api/products', headers: { ...staff.headers, 'content-type': 'application/json' }, payload: '{' })
    t.match(bad.json(), { code: 'MALFORMED_JSON', title: 'Malformed JSON', status: 400 })
  })

  t.test('the document lists exactly the catalogued codes and declares the extension members', async (t) => {
    const doc = await openApiDocument(t)
    const schemas = objectAt(objectAt(doc, 'components'), 'schemas')
    t.same(objectAt(schemas, 'ProblemCode').enum, catalogue.map((entry) => entry.code), 'ProblemCode is the catalogue')
    const problem = objectAt(schemas, 'Problem')
    t.equal(problem.additionalProperties, false, 'Problem is closed')
    const properties = objectAt(problem, 'properties')
    t.same(properties.code, { $ref: '#/components/schemas/ProblemCode' })
    for (const member of ['items', 'current_status', 'requested_status']) t.ok(member in properties, `${member} is declared`)
    t.same(objectAt(objectAt(schemas, 'ProblemType'), 'properties').code, { $ref: '#/components/schemas/ProblemCode' })
  })
})
