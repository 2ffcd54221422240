import { readFile } from 'node:fs/promises'
import { suite } from '../helpers/suite.js'
import { contractProblems, type ContractState } from '../../lib/openapi/contract.js'
import { API_CHANGELOG, LAST_RELEASE_DOCUMENT, RELEASED_DOCUMENT, releaseText } from '../../lib/openapi/release.js'
import { isObject, objectAt, openApiDocument, type JsonObject } from './document.js'

const ROOT = new URL('../../', import.meta.url)
const read = async (path: string): Promise<string> => await readFile(new URL(path, ROOT), 'utf8')

/** A copy of the document in which the first required field of the Product schema is renamed; and that field. */
function withProductFieldRenamed (doc: JsonObject): { renamed: JsonObject, field: string } {
  const renamed: JsonObject = structuredClone(doc)
  const product = objectAt(objectAt(renamed, 'components'), 'schemas').Product
  if (!isObject(product) || !isObject(product.properties) || !Array.isArray(product.required)) throw new Error('the document has no Product schema')
  const field = product.required.find((name): name is string => typeof name === 'string')
  if (field === undefined) throw new Error('Product has no required field')
  const { [field]: schema, ...others } = product.properties
  product.properties = { ...others, [`${field}_renamed`]: schema ?? {} }
  product.required = product.required.map((name) => name === field ? `${field}_renamed` : name)
  return { renamed, field }
}

export default suite(import.meta, async (t) => {
  // The machinery, on the last release and an empty changelog entry (the real state is the last test).
  const released: JsonObject = JSON.parse(await read(LAST_RELEASE_DOCUMENT))
  const clean: ContractState = { lastRelease: released, generated: released, committed: releaseText(released), changelog: '# API changelog\n\n## Unreleased\n\n## 0.1.0\n' }

  t.test('renaming a response field without a changelog entry fails', async (t) => {
    const { renamed, field } = withProductFieldRenamed(released)
    const problems = contractProblems({ ...clean, generated: renamed })
    t.ok(problems.includes(`breaking change not recorded under "## Unreleased" in ${API_CHANGELOG}: \`removed-field GET /api/products/{id} 200 ${field}\``), `the removed field (${field}) is named`)
    t.ok(problems.some((problem) => problem.includes('run `npm run openapi:release`')), 'and the committed document is stale')
    t.ok(problems.some((problem) => problem.includes('keeps its version')), 'and the changed contract still says it is the released version')

    const recorded = clean.changelog.replace(/^## Unreleased$/m, (heading) => `${heading}\n\n${problems.flatMap((p) => p.match(/`([a-z-]+ [A-Z]+ [^`]+)`/)?.[1] ?? []).map((id) => `- \`${id}\` — renamed`).join('\n')}\n`)
    const next = { ...renamed, info: { ...objectAt(renamed, 'info'), version: '0.2.0-dev' } }
    t.same(contractProblems({ ...clean, generated: next, changelog: recorded, committed: releaseText(next) }), [],
      'passes once the changelog lists it, the version is the next one and the committed document is regenerated')
    t.same(contractProblems({ ...clean, changelog: recorded }).length, problems.filter((problem) => problem.startsWith('breaking change not recorded')).length,
      'an entry for a change that is not there (reverted) fails too')
  })

  t.test('a new version alone is no contract change, and a contract change needs one', async (t) => {
    const next = { ...released, info: { ...objectAt(released, 'info'), version: '0.2.0-dev' } }
    t.same(contractProblems({ ...clean, generated: next, committed: releaseText(next) }), [], 'the released contract under the next version')
    const described = { ...released, info: { ...objectAt(released, 'info'), description: 'new words' } }
    t.match(contractProblems({ ...clean, generated: described, committed: releaseText(described) }), [/keeps its version/], 'documentation is part of the contract SDKs are built from')
  })

  t.test('a committed document edited by hand fails', async (t) => {
    const edited = clean.committed.replace('"title": "GoShop API"', '"title": "GoShop"')
    t.not(edited, clean.committed)
    t.match(contractProblems({ ...clean, committed: edited }), [/is not the document the app serves: run `npm run openapi:release`/])
  })

  t.test('the committed contract is the served document, and every breaking change since the last release is in the changelog', async (t) => {
    const state: ContractState = { lastRelease: released, generated: await openApiDocument(t), committed: await read(RELEASED_DOCUMENT), changelog: await read(API_CHANGELOG) }
    t.same(contractProblems(state), [])
  })
})
