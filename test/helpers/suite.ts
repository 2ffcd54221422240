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
 * The shards, in the order they start: tap starts the entry points (test/shards/<nn>-<name>.test.ts)
 * in name order, three at a time (tap's `jobs`: on two cores, because a shard spends part of its
 * time waiting for a child server or a timer, and a third keeps both cores busy), so the longest
 * come first and the short ones fill in at the end, and the job slots finish close together
 * (BENCHMARKS.md, "Test suite"). A suite runs in the first shard with a prefix of its path, so a
 * domain's own shard must come before 'auth' (which takes every other domain: help, problems, a
 * new one); the last shard takes the rest (unit suites, perf guards), so a new test file always runs somewhere.
 */
export const SHARDS: ReadonlyArray<{ name: string, prefixes: readonly string[] }> = [
  { name: 'hostile', prefixes: ['hostile/', 'plugins/app/'] },
  { name: 'webhooks', prefixes: ['routes/webhooks/', 'routes/events/', 'routes/audit/'] },
  { name: 'e2e', prefixes: ['e2e/'] },
  { name: 'server', prefixes: ['server/', 'delivery/'] },
  { name: 'products', prefixes: ['routes/products/', 'routes/customers/'] },
  { name: 'openapi', prefixes: ['openapi/'] },
  { name: 'orders', prefixes: ['routes/orders/'] },
  { name: 'auth', prefixes: ['routes/auth/', 'routes/admin/', 'routes/health/', 'routes/'] },
  { name: 'external', prefixes: ['plugins/external/'] },
  { name: 'rest', prefixes: [''] }
]

/** A shard's entry point under test/shards/: numbered, so tap starts the shards in SHARDS order. */
export const shardEntryPoint = (name: string): string =>
  `${String(SHARDS.findIndex((shard) => shard.name === name) + 1).padStart(2, '0')}-${name}.test.ts`

export function shardOf (file: string): string {
  const shard = SHARDS.find(({ prefixes }) => prefixes.some((prefix) => file.startsWith(prefix)))
  if (shard === undefined) throw new Error(`no shard for ${file}`)
  return shard.name
}

const cpuSeconds = ({ user, system }: NodeJS.CpuUsage): string => ((user + system) / 1e6).toFixed(1)

/**
 * Runs a shard's suites one after another, each as a subtest named after its file. SUITE_CPU=1
 * adds each suite's CPU time in this process (child processes not included) as a comment, a
 * steadier measure than wall time on a shared machine (BENCHMARKS.md, "Test suite").
 */
export async function runShard (name: string): Promise<void> {
  if (!SHARDS.some((shard) => shard.name === name)) throw new Error(`unknown shard ${name}`)
  shardRunning = true
  for (const file of suiteFiles().filter((f) => shardOf(f) === name)) {
    const cpuBefore = process.cpuUsage()
    await tap.test(file, { timeout: SUITE_TIMEOUT_MS }, async (t) => {
      const module: unknown = await import(pathToFileURL(join(TEST_DIR, file)).href)
      const body = typeof module === 'object' && module !== null && 'default' in module ? module.default : undefined
      if (typeof body !== 'function') throw new Error(`${file} does not export a suite (export default suite(import.meta, ...))`)
      await body(t)
    })
    if (process.env.SUITE_CPU === '1') tap.comment(`${file} cpu=${cpuSeconds(process.cpuUsage(cpuBefore))}s`)
  }
}
