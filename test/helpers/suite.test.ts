import { readdirSync } from 'node:fs'
import { SHARDS, shardEntryPoint, shardOf, suite, suiteFiles } from './suite.js'

export default suite(import.meta, (t) => {
  t.test('every suite file runs in exactly one shard, and every shard has suites to run', async (t) => {
    const files = suiteFiles()
    t.ok(files.length > 50, `${files.length} suite files found`)
    t.notOk(files.some((file) => file.startsWith('shards/')), 'the shard entry points are not suites')
    t.ok(files.every((file) => file.endsWith('.test.ts')), 'only *.test.ts files (fixtures and helpers are not suites)')
    t.ok(files.includes('helpers/suite.test.ts'), 'this file is one of them')
    const byShard = new Map(SHARDS.map(({ name }) => [name, files.filter((file) => shardOf(file) === name)]))
    t.equal([...byShard.values()].reduce((sum, list) => sum + list.length, 0), files.length, 'the shards partition the suites')
    for (const [name, list] of byShard) t.ok(list.length > 0, `shard ${name} runs ${list.length} suites (a renamed folder would leave it empty)`)
    const entryPoints = readdirSync(new URL('../shards/', import.meta.url)).sort()
    t.same(entryPoints, SHARDS.map(({ name }) => shardEntryPoint(name)), 'each shard has its entry point, and there is no other; their names sort in SHARDS order')
  })

  t.test('suites that build apps never pile into the catch-all shard', async (t) => {
    const rest = suiteFiles().filter((file) => shardOf(file) === SHARDS.at(-1)?.name)
    const appAreas = ['routes/', 'plugins/', 'hostile/', 'server/', 'e2e/', 'delivery/']
    t.same(rest.filter((file) => appAreas.some((area) => file.startsWith(area))), [], 'every app-building area has a shard of its own')
    t.equal(shardOf('routes/new-domain/list.test.ts'), 'auth', 'a new domain joins a domain shard')
  })

  t.test('a suite in a new folder runs in the last shard, not nowhere', async (t) => {
    t.equal(shardOf('routes/orders/read.test.ts'), 'orders')
    t.equal(shardOf('routes/help/index.test.ts'), 'auth', 'the first shard with a matching prefix wins')
    t.equal(shardOf('some-new-area/thing.test.ts'), SHARDS.at(-1)?.name)
  })
})
