import { existsSync } from 'node:fs'
import { suite } from '../helpers/suite.js'
import { ConfigError, loadConfig } from '../../lib/config.js'
import { startTracing } from '../../lib/tracing/provider.js'
import {
  APP_ENV_NAMES, at, interpolate, k6EnvNames, list, readDotenv, readRepoFile, readYaml, record, repoPath, stringMap, text, type Json
} from './files.js'

const compose = readYaml('compose.yaml')
const services = record(compose.services, 'services')
const service = (name: string): Json => record(services[name], `service ${name}`)
const example = readDotenv('.env.example')
/** Read by the OpenTelemetry SDK (lib/tracing/provider.ts), not by the app's config schema. */
const OTEL_ENV_NAMES: ReadonlySet<string> = new Set(['OTEL_EXPORTER_OTLP_ENDPOINT', 'OTEL_SERVICE_NAME'])

/** Published ports as {host, container}; a bare "8080" publishes a random host port. */
function ports (name: string): Array<{ host: string | null, container: number }> {
  const raw = service(name).ports
  return (raw === undefined ? [] : list(raw, `${name} ports`)).map((p) => {
    const parts = text(p, 'port').split(':')
    return { host: parts.length > 1 ? (parts.at(-2) ?? null) : null, container: Number(parts.at(-1)) }
  })
}

const healthcheck = (name: string): string => list(at(service(name), 'healthcheck', 'test'), `${name} healthcheck`).map((a) => text(a, 'arg')).join(' ')

/** Compose environment (map form) with ${...} resolved from .env values, as `docker compose` does. */
function resolvedEnvironment (name: string, vars: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(stringMap(service(name).environment, `${name} environment`)).map(([k, v]) => [k, interpolate(v, vars)]))
}

export default suite(import.meta, (t) => {
  t.test('services, images and ports match the SPEC', async (t) => {
    t.same(Object.keys(services).sort(), ['db', 'goshop', 'jaeger', 'k6', 'prometheus', 'redis'])
    t.equal(service('goshop').build, '.', 'goshop is built from this repository')
    t.same(ports('goshop'), [{ host: '8080', container: 8080 }])
    t.match(text(service('db').image, 'db image'), /^postgres:16\.\d+/, 'postgres 16, minor pinned')
    t.same(ports('db').map((p) => p.container), [5432])
    t.match(text(service('redis').image, 'redis image'), /^redis:7\.\d+/, 'redis 7, minor pinned')
    t.same(ports('redis').map((p) => p.container), [6379])
    t.match(text(service('prometheus').image, 'prometheus image'), /^prom\/prometheus:v\d+\.\d+\.\d+$/, 'prometheus pinned')
    t.same(ports('prometheus').map((p) => p.container), [9090])
    for (const [name, value] of Object.entries(services)) {
      if (name === 'goshop') continue
      const image = text(at(value, 'image'), `${name} image`)
      t.match(image, /:[^:/]*\d[^:/]*$/, `${name}: image has a version tag (${image})`)
      t.notMatch(image, /:latest$/, `${name}: not :latest`)
    }
    t.ok(list(at(service('prometheus'), 'volumes'), 'volumes').includes('./ops/prometheus/prometheus.yml:/etc/prometheus/prometheus.yml:ro'),
      'prometheus reads ops/prometheus/prometheus.yml')
    t.ok(list(at(service('db'), 'volumes'), 'db volumes').some((v) => text(v, 'volume').endsWith(':/var/lib/postgresql/data')), 'db data on a volume')
  })

  t.test('healthchecks and start order', async (t) => {
    for (const name of ['goshop', 'db', 'redis', 'prometheus']) t.ok(healthcheck(name).length > 0, `${name} has a healthcheck`)
    t.match(healthcheck('goshop'), /node .*http:\/\/127\.0\.0\.1:8080\/health\/live/, 'goshop: node fetch of /health/live (no curl in the image)')
    t.match(healthcheck('db'), /pg_isready/)
    t.match(healthcheck('redis'), /redis-cli ping/)
    t.same(at(service('goshop'), 'depends_on'), { db: { condition: 'service_healthy' }, redis: { condition: 'service_healthy' } })
    t.same(at(service('k6'), 'depends_on'), { goshop: { condition: 'service_healthy' } })
    const grace = text(service('goshop').stop_grace_period, 'stop_grace_period')
    t.ok(Number(grace.replace(/s$/, '')) * 1000 > Number(example.SHUTDOWN_TIMEOUT_MS ?? 10000), 'docker stop waits longer than the drain')
  })

  t.test('environment: only variables the app reads; secrets come from .env', async (t) => {
    t.equal(service('goshop').env_file, '.env')
    const goshopEnv = stringMap(service('goshop').environment, 'goshop environment')
    for (const name of Object.keys(goshopEnv)) t.ok(APP_ENV_NAMES.has(name) || OTEL_ENV_NAMES.has(name), `goshop: ${name} is read by the app`)
    t.equal(goshopEnv.MIGRATE_ON_START, 'true')
    for (const name of Object.keys(stringMap(service('db').environment, 'db environment'))) t.match(name, /^POSTGRES_/, `db: ${name}`)
    const k6Reads = k6EnvNames()
    for (const name of Object.keys(stringMap(service('k6').environment, 'k6 environment'))) t.ok(k6Reads.has(name), `k6: tests/load reads ${name}`)
    t.notMatch(readRepoFile('compose.yaml'), /^\s*[A-Z_]*(PASSWORD|SECRET):\s+[^$\s]/m, 'no literal password or secret in compose.yaml')
  })

  t.test('.env.example: app variables plus POSTGRES_*, placeholders that cannot reach production', async (t) => {
    for (const name of Object.keys(example)) t.ok(APP_ENV_NAMES.has(name) || name.startsWith('POSTGRES_'), `${name} is read by the app or the db`)
    for (const name of ['JWT_SECRET', 'POSTGRES_PASSWORD', 'ADMIN_EMAIL', 'ADMIN_PASSWORD']) t.ok(name in example, `${name} is documented`)
    const gitignore = readRepoFile('.gitignore').split('\n').map((l) => l.trim())
    t.ok(gitignore.includes('.env'), '.env is git-ignored')
    t.notOk(gitignore.includes('.env.example') || gitignore.includes('.env*'), '.env.example is not')

    const containerEnv = (vars: Record<string, string>): Record<string, string> =>
      ({ ...vars, ...resolvedEnvironment('goshop', vars), APP_ENV: 'production' })
    t.throws(() => loadConfig(containerEnv(example)), ConfigError, 'the example JWT_SECRET is refused in production')
    try {
      loadConfig(containerEnv(example))
    } catch (error) {
      t.match(error instanceof ConfigError ? error.problems.join('\n') : '', /JWT_SECRET.*placeholder/)
    }

    const secretOnly = { ...example, JWT_SECRET: 'f'.repeat(24) + '0123456789abcdef0123456789abcdef' }
    let refused: string[] = []
    try {
      loadConfig(containerEnv(secretOnly))
    } catch (error) {
      if (error instanceof ConfigError) refused = error.problems
    }
    t.same(refused, ['ADMIN_PASSWORD=(hidden): is published in this repository (default credentials); choose your own'], 'and so is the example ADMIN_PASSWORD')
    const filled = { ...secretOnly, POSTGRES_PASSWORD: 'a1b2c3d4e5', ADMIN_PASSWORD: 'a chosen admin passphrase 7' }
    const config = loadConfig(containerEnv(filled))
    t.equal(config.port, 8080)
    t.equal(config.host, '0.0.0.0')
    t.same(config.metrics, { host: '0.0.0.0', port: 9464 }, 'metrics on 0.0.0.0:9464, where Prometheus scrapes')
    t.equal(config.migrateOnStart, true)
    t.same(config.redis?.url, 'redis://redis:6379')
    if (config.database.kind !== 'postgres') throw new Error('expected Postgres')
    const url = new URL(config.database.url)
    t.same([url.hostname, url.port, url.username, url.password, url.pathname], ['db', '5432', 'goshop', 'a1b2c3d4e5', '/goshop'],
      'DATABASE_URL reaches the db service with the POSTGRES_* credentials')
    t.throws(() => resolvedEnvironment('goshop', { ...filled, POSTGRES_PASSWORD: '' }), /POSTGRES_PASSWORD/, 'compose refuses to start without a db password')
  })

  t.test('tracing: Jaeger only with --profile tracing, and the API exports to it only when told to', async (t) => {
    const jaeger = service('jaeger')
    t.same(jaeger.profiles, ['tracing'], 'only with --profile tracing')
    t.match(text(jaeger.image, 'jaeger image'), /^jaegertracing\/jaeger:2\.\d+\.\d+$/, 'Jaeger 2 (OTLP built in), pinned')
    t.same(ports('jaeger'), [{ host: '16686', container: 16686 }], 'the UI, on localhost only')
    t.same(list(jaeger.expose, 'jaeger expose'), ['4318'], 'OTLP/HTTP on the compose network')
    const off = resolvedEnvironment('goshop', example)
    t.equal(off.OTEL_EXPORTER_OTLP_ENDPOINT, '', 'no endpoint by default: tracing off')
    const saved = process.env.OTEL_EXPORTER_OTLP_ENDPOINT
    process.env.OTEL_EXPORTER_OTLP_ENDPOINT = off.OTEL_EXPORTER_OTLP_ENDPOINT
    try {
      t.equal(startTracing(), null, 'the SDK reads an empty endpoint as unset')
    } finally {
      if (saved === undefined) Reflect.deleteProperty(process.env, 'OTEL_EXPORTER_OTLP_ENDPOINT')
      else process.env.OTEL_EXPORTER_OTLP_ENDPOINT = saved
    }
    t.equal(resolvedEnvironment('goshop', { ...example, OTEL_EXPORTER_OTLP_ENDPOINT: 'http://jaeger:4318' }).OTEL_EXPORTER_OTLP_ENDPOINT, 'http://jaeger:4318',
      'the documented switch reaches the container')
  })

  t.test('k6 runs the TypeScript scenarios from tests/load', async (t) => {
    const k6 = service('k6')
    t.same(k6.profiles, ['k6'], 'only with --profile k6')
    const version = /^grafana\/k6:(\d+)\.(\d+)\.(\d+)$/.exec(text(k6.image, 'k6 image'))
    t.ok(version, 'grafana/k6 pinned to a release')
    t.ok(Number(version?.[1]) >= 1 || Number(version?.[2]) >= 52, 'k6 >= 0.52 runs TypeScript')
    t.ok(list(k6.volumes, 'k6 volumes').includes('./tests/load:/scripts:ro'))
    const command = list(k6.command, 'k6 command').map((a) => text(a, 'arg'))
    t.equal(command[0], 'run')
    const script = text(command[1], 'script').replace(/^\/scripts\//, 'tests/load/')
    t.ok(existsSync(repoPath(script)), `${script} exists`)
    t.equal(stringMap(k6.environment, 'k6 env').BASE_URL, 'http://goshop:8080')
  })

  t.test('prometheus scrapes goshop:9464/metrics (the metrics listener), which is published to no one', async (t) => {
    const prometheus = readYaml('ops/prometheus/prometheus.yml')
    const jobs = list(prometheus.scrape_configs, 'scrape_configs').map((j) => record(j, 'job'))
    const job = jobs.find((j) => j.job_name === 'goshop')
    t.ok(job, 'a goshop job')
    t.equal(job?.metrics_path ?? '/metrics', '/metrics')
    const statics = (job?.static_configs === undefined ? [] : list(job.static_configs, 'static_configs'))
      .flatMap((c) => list(at(c, 'targets'), 'targets').map((x) => text(x, 'target')))
    const dns = (job?.dns_sd_configs === undefined ? [] : list(job.dns_sd_configs, 'dns_sd_configs'))
      .flatMap((c) => list(at(c, 'names'), 'names').map((n) => `${text(n, 'name')}:${String(at(c, 'port'))}`))
    t.ok([...statics, ...dns].includes('goshop:9464'), `targets ${JSON.stringify([...statics, ...dns])} include goshop:9464`)
    t.ok('goshop' in services && list(at(services, 'goshop', 'expose'), 'goshop expose').map(String).includes('9464'), 'goshop exposes 9464 on the compose network')
    t.notOk(ports('goshop').some((p) => p.container === 9464), 'and does not publish it on the host')
  })

  t.test('the scaling override: replicas behind nginx, one published port', async (t) => {
    const override = readYaml('ops/compose/scale.yaml', { customTags: [{ tag: '!reset', collection: 'seq', resolve: () => ({ reset: true }) }] })
    const overrides = record(override.services, 'override services')
    t.same(at(overrides, 'goshop', 'ports'), { reset: true }, 'goshop publishes nothing (replicas cannot share host port 8080)')
    for (const name of Object.keys(stringMap(at(overrides, 'goshop', 'environment'), 'override env'))) {
      t.ok(APP_ENV_NAMES.has(name), `${name} is read by the app`)
    }
    t.same(at(overrides, 'lb', 'ports'), ['8080:8080'])
    t.same(at(overrides, 'lb', 'depends_on'), { goshop: { condition: 'service_healthy' } })
    const nginx = readRepoFile('ops/compose/nginx.conf')
    t.match(nginx, /server goshop:8080 resolve;/, 'nginx re-resolves the replicas')
    t.match(nginx, /resolver 127\.0\.0\.11/, "through Docker's DNS")
    t.ok(list(at(overrides, 'lb', 'volumes'), 'lb volumes').includes('./ops/compose/nginx.conf:/etc/nginx/conf.d/default.conf:ro'))
  })
})
