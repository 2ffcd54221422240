import { readFile } from 'node:fs/promises'
import { suite } from '../helpers/suite.js'
import { contractProblems, type ContractState } from '../../lib/openapi/contract.js'
import { API_CHANGELOG, LAST_RELEASE_DOCUMENT, RELEASED_DOCUMENT, releaseText } from '../../lib/openapi/release.js'
import { isObject, objectAt, openApiDocument, type JsonObject } from './document.js'

const ROOT = new URL('../../', import.meta.url)
const read = async (path: string): Promise<string> => await readFile(new URL(path, ROOT), 'utf8')

/** A copy of the document in which the Product schema's `name` is called `title`. */
function withProductNameRenamed (doc: JsonObject): JsonObject {
  const copy: JsonObject = structuredClone(doc)
  const product = objectAt(objectAt(copy, 'components'), 'schemas').Product
  if (!isObject(product) || !isObject(product.properties) || !Array.isArray(product.required)) throw new Error('the document has no Product schema')
  const { name, ...others } = product.properties
  if (name === undefined) throw new Error('Product has no name')
  product.properties = { ...others, title: name }
  product.required = product.required.map((field) => field === 'name' ? 'title' : field)
  return copy
}

export default suite(import.meta, async (t) => {
  const generated = await openApiDocument(t)
  const state: ContractState = {
    lastRelease: JSON.parse(await read(LAST_RELEASE_DOCUMENT)),
    generated,
    committed: await read(RELEASED_DOCUMENT),
    changelog: await read(API_CHANGELOG)
  }

  t.test('renaming a response field without a changelog entry fails', async (t) => {
    const renamed = withProductNameRenamed(generated)
    const problems = contractProblems({ ...state, generated: renamed })
    t.ok(problems.includes(`breaking change not recorded under "## Unreleased" in ${API_CHANGELOG}: \`removed-field GET /api/products/{id} 200 name\``), 'the removed field is named')
    t.ok(problems.some((problem) => problem.includes('run `npm run openapi:release`')), 'and the committed document is stale')

    const recorded = state.changelog.replace(/^## Unreleased$/m, (heading) => `${heading}\n\n${problems.flatMap((p) => p.match(/`([a-z-]+ [A-Z]+ [^`]+)`/)?.[1] ?? []).map((id) => `- \`${id}\` — renamed to title`).join('\n')}\n`)
    t.same(contractProblems({ ...state, generated: renamed, changelog: recorded, committed: releaseText(renamed) }), [],
      'passes once the changelog lists it and the committed document is regenerated')
    t.same(contractProblems({ ...state, changelog: recorded }).length, problems.length - 1,
      'an entry for a change that is not there (reverted) fails too')
  })

  t.test('a committed document edited by hand fails', async (t) => {
    const edited = state.committed.replace('"title": "GoShop API"', '"title": "GoShop"')
    t.not(edited, state.committed)
    t.match(contractProblems({ ...state, committed: edited }), [/is not the document the app serves: run `npm run openapi:release`/])
  })

  t.test('the committed contract is the served document, and every breaking change since the last release is in the changelog', async (t) => {
    t.same(contractProblems(state), [])
  })
})
