import { spawnSync } from 'node:child_process'
import { setTimeout as sleep } from 'node:timers/promises'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { buildApp } from '../../../app.js'
import type { Test } from 'tap'
import { suite } from '../../helpers/suite.js'
import { buildTestApp, testAppOptions } from '../../helpers/app.js'
import { createUser } from '../../helpers/users.js'

/**
 * prom-client's default process metrics (nodejs_*, process_*) are named by prom-client, and a few
 * of its gauges end in _total (nodejs_active_handles_total...): not this service's to rename.
 */
const ownFamily = (name: string): boolean => !name.startsWith('nodejs_') && !name.startsWith('process_')

/** V8's gc(), without starting node with --expose-gc. */
function exposedGc (): () => void {
  setFlagsFromString('--expose-gc')
  const gc: unknown = runInNewContext('gc')
  if (typeof gc !== 'function') throw new Error('gc() is not exposed')
  return () => { gc() }
}

interface Family { name: string, type: string, samples: number }

/** The metric families of a Prometheus text exposition, with how many samples each has. */
function families (text: string): Family[] {
  const byName = new Map<string, Family>()
  for (const line of text.split('\n')) {
    const type = /^# TYPE (\S+) (\S+)$/.exec(line)
    if (type?.[1] !== undefined && type[2] !== undefined) byName.set(type[1], { name: type[1], type: type[2], samples: 0 })
  }
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || line === '') continue
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)/.exec(line)?.[1] ?? ''
    const family = byName.get(sample) ?? byName.get(sample.replace(/_(bucket|sum|count|total|created)$/, ''))
    if (family !== undefined) family.samples++
  }
  return [...byName.values()]
}

export default suite(import.meta, (t) => {
  t.test('/metrics passes the Prometheus naming rules (promtool check metrics when installed)', async (t) => {
    const app = await buildTestApp(t)
    const user = await createUser(app, 'customer')
    await app.inject({ method: 'GET', url: '/api/products', headers: user.headers })
    const res = await app.inject({ method: 'GET', url: '/metrics' })
    t.equal(res.statusCode, 200)
    const found = families(res.body).filter((f) => ownFamily(f.name))
    t.ok(found.some((f) => f.name === 'http_request_duration_seconds'), 'the route histogram is there')
    t.notOk(found.some((f) => f.name === 'http_request_summary_seconds'), 'no disabled summary family')
    t.notOk(found.some((f) => f.name === 'db_pool_connections_total'), 'the pool size gauge is not named like a counter')
    for (const family of found) {
      if (family.type !== 'counter') t.notMatch(family.name, /_total$/, `${family.name} (${family.type}) does not end in _total`)
      else t.match(family.name, /_total$/, `${family.name} (counter) ends in _total`)
    }
    if (app.dbHandle.pool !== null) t.ok(found.some((f) => f.name === 'db_pool_connections' && f.type === 'gauge'), 'pool gauge on Postgres')

    const promtool = spawnSync('promtool', ['check', 'metrics'], { input: res.body, encoding: 'utf8' })
    if (promtool.error === undefined) {
      const findings = `${promtool.stdout}${promtool.stderr}`.split('\n').filter((line) => line.trim() !== '' && ownFamily(line.trim()))
      t.same(findings, [], 'promtool check metrics finds nothing in the service\'s own metrics')
    } else {
      t.comment('promtool is not installed here; the naming rules above were checked instead')
    }
  })

  /** Builds an app, checks its /metrics, closes it; the app is unreachable once this returns. */
  async function useAndClose (t: Test, label: string, finalization: FinalizationRegistry<string>): Promise<void> {
    const app = await buildApp(await testAppOptions(t))
    await app.ready()
    const text = (await app.inject({ method: 'GET', url: '/metrics' })).body
    t.match(text, /^process_cpu_seconds_total /m, `${label}: process metrics`)
    t.match(text, /^# TYPE nodejs_gc_duration_seconds histogram$/m, `${label}: GC durations`)
    t.equal(text.match(/^# TYPE process_cpu_seconds_total /gm)?.length, 1, `${label}: each family once`)
    await app.close()
    finalization.register(app, label)
  }

  t.test('the process metrics are there once, and a closed app is released (nothing global keeps it)', async (t) => {
    const gc = exposedGc()
    const released: string[] = []
    const finalization = new FinalizationRegistry<string>((label) => { released.push(label) })
    await useAndClose(t, 'app 1', finalization)
    await useAndClose(t, 'app 2', finalization)
    // Collection is certain after a full GC; the finalization callbacks run in a later task.
    for (let round = 0; round < 50; round++) {
      if (released.length === 2) break
      gc()
      await sleep(20)
    }
    t.same(released.sort(), ['app 1', 'app 2'], 'both closed apps were garbage collected')
  })
})
