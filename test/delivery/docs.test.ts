import { existsSync } from 'node:fs'
import { EnvSchema } from '../../schemas/env.js'
import { suite } from '../helpers/suite.js'
import { at, readRepoFile, repoPath, stringMap } from './files.js'
import { find, loadObjects, podSpec } from './k8s.js'

const doc = readRepoFile('docs/operations.md')

export default suite(import.meta, (t) => {
  t.test('docs/operations.md names files that exist', async (t) => {
    const paths = new Set([...doc.matchAll(/(?<![\w/.-])((?:k8s|ops|tests\/load|\.github|docs)\/[\w./-]*[\w])/g)].map((m) => m[1] ?? ''))
    t.ok(paths.size >= 4, `${paths.size} paths mentioned`)
    for (const path of paths) t.ok(existsSync(repoPath(path)), `${path} exists`)
    for (const m of doc.matchAll(/\/scripts\/([\w-]+\.ts)/g)) t.ok(existsSync(repoPath(`tests/load/${m[1] ?? ''}`)), `k6 script ${m[1] ?? ''} exists`)
  })

  t.test('the shutdown numbers in the runbook are the ones deployed', async (t) => {
    const objects = loadObjects()
    const deployment = find(objects, 'Deployment', 'goshop')
    const grace = String(at(podSpec(deployment), 'terminationGracePeriodSeconds'))
    const drainMs = stringMap(find(objects, 'ConfigMap', 'goshop-config').body.data, 'data').SHUTDOWN_TIMEOUT_MS
    t.match(doc, `\`terminationGracePeriodSeconds\` (${grace})`)
    t.match(doc, `\`SHUTDOWN_TIMEOUT_MS\` (${Number(drainMs) / 1000} s)`)
    t.match(doc, /minikube image build -t goshop-api:latest \./, 'how the image gets into minikube')
    t.match(doc, /minikube service goshop -n goshop/)
    t.match(doc, /kubectl apply -k k8s\//)
    t.match(doc, /PUT \/api\/admin\/log-level|\/api\/admin\/log-level/, 'run-time log level')
  })
  t.test("README's configuration table names every variable the service reads", async (t) => {
    const readme = readRepoFile('README.md')
    const table = readme.slice(readme.indexOf('## Configuration'), readme.indexOf('## Scripts'))
    for (const name of Object.keys(EnvSchema.properties)) t.match(table, `\`${name}\``, `${name} is documented`)
  })
})
