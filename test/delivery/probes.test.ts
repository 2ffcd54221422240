import { spawn } from 'node:child_process'
import { createServer, type Server } from 'node:net'
import { Script } from 'node:vm'
import { suite } from '../helpers/suite.js'
import { buildTestApp } from '../helpers/app.js'
import { healthcheckCommand } from './docker.js'
import { at, list, readYaml, record, stringMap, text } from './files.js'
import { containers, find, loadObjects, workloads } from './k8s.js'

interface Probe { source: string, path: string }

/** Every HTTP path that k8s/, compose, the image and Prometheus expect the app to serve. */
function probePaths (): Probe[] {
  const objects = loadObjects()
  const probes: Probe[] = []
  for (const c of workloads(objects).flatMap(containers)) {
    for (const kind of ['startupProbe', 'livenessProbe', 'readinessProbe']) {
      const path = at(c.container, kind, 'httpGet', 'path')
      if (typeof path === 'string') probes.push({ source: `k8s ${c.workload.name}/${c.name} ${kind}`, path })
    }
  }
  const annotations = stringMap(at(find(objects, 'Deployment', 'goshop').body, 'spec', 'template', 'metadata', 'annotations'), 'annotations')
  probes.push({ source: 'k8s prometheus.io/path', path: text(annotations['prometheus.io/path'], 'prometheus.io/path') })

  // A literal URL (http://host:port/path), or a quoted absolute path appended to a computed origin.
  const urlPath = (command: string): string =>
    text((/https?:\/\/[^/'"\s]+(\/[^'"\s)]*)/.exec(command) ?? /'(\/[\w/.-]*)'/.exec(command))?.[1], `URL path in ${command}`)
  probes.push({ source: 'Dockerfile HEALTHCHECK', path: urlPath(healthcheckCommand().join(' ')) })
  const compose = readYaml('compose.yaml')
  const goshopCheck = list(at(compose, 'services', 'goshop', 'healthcheck', 'test'), 'goshop healthcheck').join(' ')
  probes.push({ source: 'compose goshop healthcheck', path: urlPath(goshopCheck) })
  const scale = readYaml('ops/compose/scale.yaml', { customTags: [{ tag: '!reset', collection: 'seq', resolve: () => null }] })
  probes.push({ source: 'compose lb healthcheck', path: urlPath(list(at(scale, 'services', 'lb', 'healthcheck', 'test'), 'lb').join(' ')) })
  const prometheus = readYaml('ops/prometheus/prometheus.yml')
  const job = list(prometheus.scrape_configs, 'scrape_configs').map((j) => record(j, 'job')).find((j) => j.job_name === 'goshop')
  probes.push({ source: 'prometheus.yml', path: typeof job?.metrics_path === 'string' ? job.metrics_path : '/metrics' })
  return probes
}

function run (command: string[], env: Record<string, string>): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const [file, ...args] = command
    const child = spawn(file === 'node' ? process.execPath : file ?? '', args, { env: { PATH: process.env.PATH ?? '', ...env }, stdio: 'ignore' })
    child.on('error', reject)
    child.on('close', resolve)
  })
}

function portOf (server: Pick<Server, 'address'>): number {
  const address = server.address()
  if (typeof address !== 'object' || address === null) throw new Error('not listening on TCP')
  return address.port
}

/** A port nothing listens on. */
async function closedPort (): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = portOf(server)
  await new Promise<void>((resolve) => server.close(() => { resolve() }))
  return port
}

export default suite(import.meta, (t) => {
  t.test('every probe, health check and scrape path is served (200), without auth', async (t) => {
    const probes = probePaths()
    t.ok(probes.length >= 8, `${probes.length} probe paths`)
    const app = await buildTestApp(t)
    for (const probe of probes) {
      const res = await app.inject({ method: 'GET', url: probe.path })
      t.equal(res.statusCode, 200, `${probe.source}: GET ${probe.path}`)
    }
  })

  t.test('a draining instance fails readiness but stays live (pod leaves endpoints, is not restarted)', async (t) => {
    const app = await buildTestApp(t)
    app.lifecycle.shuttingDown = true
    const ready = await app.inject({ method: 'GET', url: '/health/ready' })
    t.equal(ready.statusCode, 503)
    t.equal(ready.json().status, 'not_ready')
    t.equal((await app.inject({ method: 'GET', url: '/health/live' })).statusCode, 200)
  })

  t.test('the image HEALTHCHECK command passes against a live server and fails without one', async (t) => {
    const command = healthcheckCommand()
    const app = await buildTestApp(t)
    await app.listen({ port: 0, host: '127.0.0.1' })
    const port = portOf(app.server)
    t.equal(await run(command, { PORT: String(port) }), 0, 'exit 0: healthy')
    t.equal(await run(command, { PORT: String(await closedPort()) }), 1, 'exit 1: unhealthy')
  })

  t.test('the preStop and compose health commands are valid node programs', async (t) => {
    const deployment = find(loadObjects(), 'Deployment', 'goshop')
    const app = containers(deployment).find((c) => !c.init)
    const preStop = list(at(app?.container, 'lifecycle', 'preStop', 'exec', 'command'), 'preStop').map((a) => text(a, 'arg'))
    const compose = readYaml('compose.yaml')
    const composeCheck = list(at(compose, 'services', 'goshop', 'healthcheck', 'test'), 'healthcheck').map((a) => text(a, 'arg'))
    for (const [name, command] of [['preStop', preStop], ['compose healthcheck', composeCheck.slice(1)]] as const) {
      t.same(command.slice(0, 2), ['node', '-e'], `${name}: node -e`)
      t.doesNotThrow(() => new Script(command[2] ?? ''), `${name}: the script compiles`)
    }
  })
})
