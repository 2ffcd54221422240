import { spawnSync } from 'node:child_process'
import t from 'tap'
import { buildTestApp } from '../../helpers/app.js'
import { createUser } from '../../helpers/users.js'

/**
 * prom-client's default process metrics (nodejs_*, process_*) are named by prom-client, and a few
 * of its gauges end in _total (nodejs_active_handles_total...): not this service's to rename.
 */
const ownFamily = (name: string): boolean => !name.startsWith('nodejs_') && !name.startsWith('process_')

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
