import { readdirSync } from 'node:fs'
import { join, relative, sep } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import tap, { type Test } from 'tap'

/**
 * Test files are suites: each exports its tests as one function, and tap runs a few shard
 * processes (test/shards/) that run many suites one after another, instead of one process per
 * file. A process with tap's loaders and the app imported costs seconds of CPU before its first
 * assertion, and an embedded database compiles PGlite's WebAssembly once per process, so the
 * number of processes, not the number of files, sets most of the suite's fixed cost
 * (BENCHMARKS.md, "Test suite"). A suite file run on its own (`npx tap test/x/y.test.ts`) runs
 * itself, as a subtest of tap's root.
 */

export type SuiteBody = (t: Test) => void | Promise<void>

const TEST_DIR = fileURLToPath(new URL('../', import.meta.url))
/** Each suite's own time limit, in a shard as on its own (tap's `timeout` is per process). */
const SUITE_TIMEOUT_MS = 300_000

let shardRunning = false

const suiteName = (file: string): string => relative(TEST_DIR, file).split(sep).join('/')

/** Declares a test file's suite: `export default suite(import.meta, async (t) => { ... })`. */
export function suite (meta: ImportMeta, body: SuiteBody): SuiteBody {
  // Async, so the subtest ends when the body's subtests have (a plain function would have to call t.end()).
  if (!shardRunning) tap.test(suiteName(fileURLToPath(meta.url)), { timeout: SUITE_TIMEOUT_MS }, async (t) => { await body(t) })
  return body
}

/** Every suite file under test/, as paths relative to it ('routes/orders/read.test.ts'), sorted. */
export function suiteFiles (dir = TEST_DIR): string[] {
  const files: string[] = []
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (entry.isDirectory() && path !== join(TEST_DIR, 'shards')) files.push(...suiteFiles(path))
    else if (entry.isFile() && entry.name.endsWith('.test.ts')) files.push(suiteName(path))
  }
  return files.sort()
}

/**
 * The shards: areas grouped so that, run two at a time (tap's `jobs`), they end at about the
 * same time; the suites that build apps (most of an embedded run's cost) are spread over the
 * first seven. A suite runs in the first shard with a prefix of its path; the last shard takes the
 * rest (unit suites and the OpenAPI linters), so a new test file always runs somewhere. Each has its entry point, test/shards/<name>.test.ts.
 */
export const SHARDS: ReadonlyArray<{ name: string, prefixes: readonly string[] }> = [
  { name: 'server', prefixes: ['server/', 'e2e/', 'delivery/'] },
  { name: 'orders', prefixes: ['routes/orders/'] },
  { name: 'webhooks', prefixes: ['routes/webhooks/', 'routes/events/', 'routes/audit/'] },
  { name: 'products', prefixes: ['routes/products/', 'routes/customers/'] },
  // ...and every other domain (help, problems, a new one), so no app-building suite lands in 'rest'.
  { name: 'auth', prefixes: ['routes/auth/', 'routes/admin/', 'routes/health/', 'routes/'] },
  { name: 'external', prefixes: ['plugins/external/'] },
  { name: 'hostile', prefixes: ['hostile/', 'plugins/app/'] },
  { name: 'rest', prefixes: [''] }
]

export function shardOf (file: string): string {
  const shard = SHARDS.find(({ prefixes }) => prefixes.some((prefix) => file.startsWith(prefix)))
  if (shard === undefined) throw new Error(`no shard for ${file}`)
  return shard.name
}

/** Runs a shard's suites one after another, each as a subtest named after its file. */
export async function runShard (name: string): Promise<void> {
  if (!SHARDS.some((shard) => shard.name === name)) throw new Error(`unknown shard ${name}`)
  shardRunning = true
  for (const file of suiteFiles().filter((f) => shardOf(f) === name)) {
    await tap.test(file, { timeout: SUITE_TIMEOUT_MS }, async (t) => {
      const module: unknown = await import(pathToFileURL(join(TEST_DIR, file)).href)
      const body = typeof module === 'object' && module !== null && 'default' in module ? module.default : undefined
      if (typeof body !== 'function') throw new Error(`${file} does not export a suite (export default suite(import.meta, ...))`)
      await body(t)
    })
  }
}
