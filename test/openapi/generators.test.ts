import { execFile } from 'node:child_process'
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import openapiTS, { astToString } from 'openapi-typescript'
import { suite } from '../helpers/suite.js'
import { isObject, objectAt, openApiDocument, type JsonObject } from './document.js'

const run = promisify(execFile)
const bin = (path: string): string => fileURLToPath(new URL(`../../node_modules/${path}`, import.meta.url))
const GENERATORS = {
  heyApi: bin('@hey-api/openapi-ts/bin/run.js'),
  orval: bin('orval/dist/bin/orval.js'),
  tsc: bin('typescript/bin/tsc')
}
const RESOURCES = ['Product', 'ProductPage', 'Customer', 'CustomerPage', 'Order', 'OrderItem', 'OrderPage', 'User', 'TokenPair', 'Problem', 'FieldError']

async function node (args: string[], cwd: string): Promise<void> {
  try {
    await run(process.execPath, args, { cwd, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, NO_COLOR: '1' } })
  } catch (error) {
    const out = typeof error === 'object' && error !== null && 'stdout' in error && 'stderr' in error ? `${String(error.stdout)}\n${String(error.stderr)}` : ''
    throw new Error(`${args.join(' ')} failed:\n${out.slice(-4000)}`)
  }
}

async function sources (dir: string): Promise<string> {
  const files = (await readdir(dir, { recursive: true })).filter((file) => file.endsWith('.ts'))
  return (await Promise.all(files.map((file) => readFile(join(dir, file), 'utf8')))).join('\n')
}

/** Exported object types (interface or type literal) by name, with their body minus comments and whitespace. */
function objectTypes (source: string): Map<string, string> {
  const types = new Map<string, string>()
  const declaration = /^export (?:interface (\w+) |type (\w+) = )\{\n([\s\S]*?)\n\};?$/gm
  for (const match of source.matchAll(declaration)) {
    const body = (match[3] ?? '').replace(/\/\*[\s\S]*?\*\//g, '').replace(/\s+/g, '').replace(/;/g, ',')
    types.set(match[1] ?? match[2] ?? '', body)
  }
  return types
}

/** Other exported object types with exactly a resource's body: a second type for the same thing. */
function duplicatesOf (source: string): string[] {
  const types = objectTypes(source)
  const found: string[] = []
  for (const resource of RESOURCES) {
    const body = types.get(resource)
    if (body === undefined) {
      found.push(`${resource} (missing)`)
      continue
    }
    for (const [name, other] of types) if (name !== resource && other === body) found.push(`${name} duplicates ${resource}`)
  }
  return found
}

/** Enum components of the document: name and values. */
function enumsOf (doc: JsonObject): Array<{ name: string, values: string[] }> {
  return Object.entries(objectAt(objectAt(doc, 'components'), 'schemas'))
    .flatMap(([name, schema]) => isObject(schema) && Array.isArray(schema.enum) && name !== 'ProblemCode' ? [{ name, values: schema.enum.map(String) }] : [])
}

const sameValues = (a: string[], b: string[]): boolean => a.length === b.length && [...a].sort().join('\u0000') === [...b].sort().join('\u0000')

/** Exported enum-like types of generated code with their values: literal unions and orval's `as const` objects. */
function enumTypes (source: string): Array<{ name: string, values: string[] }> {
  const found: Array<{ name: string, values: string[] }> = []
  const literals = (text: string): string[] => [...text.matchAll(/'([^']*)'/g)].map((match) => match[1] ?? '')
  for (const match of source.matchAll(/^export type (\w+) =\s*((?:\|?\s*'[^']*'\s*)+);?$/gm)) found.push({ name: match[1] ?? '', values: literals(match[2] ?? '') })
  // Keys are bare names or quoted values (`'products:read': 'products:read'`): only the values count.
  for (const match of source.matchAll(/^export const (\w+) = \{([^}]*)\} as const/gm)) found.push({ name: match[1] ?? '', values: literals((match[2] ?? '').replace(/^\s*(?:'[^']*'|[\w$]+)\s*:/gm, '')) })
  return found
}

export default suite(import.meta, (t) => {
  const USAGE = `import type { components, paths } from './openapi-typescript/schema'
import type { Order as HeyOrder, Problem as HeyProblem, Product as HeyProduct } from './hey-api/types.gen'
import type { Order as OrvalOrder, Problem as OrvalProblem, Product as OrvalProduct } from './orval/api.schemas'
import { createProduct, getProduct } from './orval/api'
import { listProducts } from './hey-api/sdk.gen'

type Schemas = components['schemas']
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false
export const productTypesAgree: [Same<HeyProduct, Schemas['Product']>, Same<OrvalProduct, Schemas['Product']>] = [true, true]
export const orderTypesAgree: [Same<HeyOrder, Schemas['Order']>, Same<OrvalOrder, Schemas['Order']>] = [true, true]
export const problemsHaveCodes = (a: HeyProblem, b: OrvalProblem): string => a.code + b.code
// The operations return the shared types, not per-operation copies.
export async function typed (): Promise<string[]> {
  const created = await createProduct({ sku: 'A', name: 'A', price_cents: 1, stock: 1 })
  const one = await getProduct('id')
  const page = await listProducts()
  const fromCreate: OrvalProduct | OrvalProblem = created.data
  // void: 304 Not Modified (If-None-Match) has no body.
  const fromGet: OrvalProduct | OrvalProblem | void = one.data
  return [JSON.stringify(fromCreate), JSON.stringify(fromGet), page.data?.data[0]?.sku ?? '']
}
// A conditional GET: 304 is "not modified" (no body), told apart by its status.
export async function revalidate (): Promise<'not modified' | string> {
  const one = await getProduct('id')
  if (one.status === 304) return 'not modified'
  return one.status === 200 ? one.data.sku : one.data.code
}
type ProductRead = paths['/api/products/{id}']['get']['responses']
export const notModifiedHasNoBody: ProductRead[304] extends { content?: never } ? true : false = true
`

  const TSCONFIG = {
    compilerOptions: {
      target: 'ES2022',
      module: 'ESNext',
      moduleResolution: 'Bundler',
      lib: ['ES2022', 'DOM', 'DOM.Iterable'],
      types: [],
      strict: true,
      noEmit: true,
      skipLibCheck: true
    },
    include: ['**/*.ts']
  }

  t.test('openapi-typescript, @hey-api/openapi-ts and orval make strictly typed clients with one type per resource', async (t) => {
    const doc = await openApiDocument(t)
    t.ok(Object.keys(objectAt(objectAt(doc, 'components'), 'schemas')).length > 0, 'the document has components')
    const dir = await mkdtemp(join(tmpdir(), 'goshop-generators-'))
    t.teardown(() => rm(dir, { recursive: true, force: true }))
    const spec = join(dir, 'openapi.json')
    await writeFile(spec, JSON.stringify(doc, null, 2))

    await mkdir(join(dir, 'openapi-typescript'))
    await writeFile(join(dir, 'openapi-typescript', 'schema.ts'), astToString(await openapiTS(JSON.stringify(doc), { silent: true })))
    await node([GENERATORS.heyApi, '--input', spec, '--output', join(dir, 'hey-api')], dir)
    await node([GENERATORS.orval, '--input', spec, '--output', join(dir, 'orval', 'api.ts'), '--client', 'fetch', '--mode', 'split'], dir)

    const outputs = {
      'openapi-typescript': await sources(join(dir, 'openapi-typescript')),
      '@hey-api/openapi-ts': await readFile(join(dir, 'hey-api', 'types.gen.ts'), 'utf8'),
      orval: await sources(join(dir, 'orval'))
    }
    for (const [generator, source] of Object.entries(outputs)) t.ok(source.length > 1000, `${generator} produced code`)
    for (const [generator, source] of Object.entries({ '@hey-api/openapi-ts': outputs['@hey-api/openapi-ts'], orval: outputs.orval })) {
      t.same(duplicatesOf(source), [], `${generator}: one type per resource, none emitted twice`)
      for (const resource of RESOURCES) {
        const definitions = source.match(new RegExp(`^export (?:interface|type) ${resource}\\b`, 'gm')) ?? []
        t.equal(definitions.length, 1, `${generator}: ${resource} is defined once`)
      }
    }
    t.notMatch(outputs.orval, /export (?:interface|type) \w+(?:200|201)\w* = \{\n {2}(?!data:|stream:)/, 'orval: no per-status copies of a body')
    const enums = enumsOf(doc)
    t.ok(enums.length >= 10, `the document names its enums (${enums.map((e) => e.name).join(', ')})`)
    for (const [generator, source] of Object.entries({ '@hey-api/openapi-ts': outputs['@hey-api/openapi-ts'], orval: outputs.orval })) {
      const types = enumTypes(source)
      for (const { name, values } of enums) {
        const copies = [...new Set(types.filter((type) => sameValues(type.values, values)).map((type) => type.name))]
        t.same(copies, [name], `${generator}: one type for the enum ${name}`)
      }
    }
    const components = outputs['openapi-typescript'].match(/^ {8}(\w+): \{$/gm) ?? []
    t.ok(components.length > 0, 'openapi-typescript lists the components')

    await writeFile(join(dir, 'usage.ts'), USAGE)
    await writeFile(join(dir, 'tsconfig.json'), JSON.stringify(TSCONFIG))
    await node([GENERATORS.tsc, '-p', join(dir, 'tsconfig.json')], dir)
    t.pass('tsc --strict --noEmit accepts the three clients and their use together')
  })
})
