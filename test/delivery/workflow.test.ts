import { statSync } from 'node:fs'
import { suite } from '../helpers/suite.js'
import { at, isRecord, list, listRepoDir, readRepoFile, readYaml, record, repoPath, stringMap, text, type Json } from './files.js'

const workflow = readYaml('.github/workflows/ci.yml')
const jobs = record(workflow.jobs, 'jobs')
const job = (name: string): Json => record(jobs[name], `job ${name}`)
const steps = (name: string): Json[] => list(job(name).steps, `${name} steps`).map((s) => record(s, 'step'))
const runLines = (name: string): string[] => steps(name).flatMap((s) => typeof s.run === 'string' ? [s.run.trim()] : [])

/** Every key path in a parsed YAML tree (to find a key wherever it hides). */
function keys (value: unknown, path = ''): string[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => keys(v, `${path}/${i}`))
  if (!isRecord(value)) return []
  return Object.entries(value).flatMap(([k, v]) => [`${path}/${k}`, ...keys(v, `${path}/${k}`)])
}

export default suite(import.meta, (t) => {
  t.test('runs on push and pull_request', async (t) => {
  // YAML 1.1 readers turn a bare `on` key into true; the yaml package (1.2) keeps "on".
    const on = record(workflow.on, 'on')
    t.ok('push' in on && 'pull_request' in on)
  })

  t.test('test job: Postgres 16 and Redis 7 service containers with health checks', async (t) => {
    const services = record(job('test').services, 'services')
    const postgres = record(services.postgres, 'postgres')
    const redis = record(services.redis, 'redis')
    t.match(text(postgres.image, 'image'), /^postgres:16(\.\d+)*$/)
    t.match(text(redis.image, 'image'), /^redis:7(\.\d+)*$/)
    t.match(text(postgres.options, 'options'), /--health-cmd "pg_isready/)
    t.match(text(redis.options, 'options'), /--health-cmd "redis-cli ping"/)
    t.same(postgres.ports, ['5432:5432'])
    t.same(redis.ports, ['6379:6379'])
    t.equal(stringMap(postgres.env, 'postgres env').POSTGRES_PASSWORD, 'postgres', 'matches the DATABASE_URL credentials')
  })

  t.test('test job: install, lint, typecheck, the README test command against the services, build', async (t) => {
    const uses = steps('test').map((s) => s.uses).filter((u) => typeof u === 'string')
    t.ok(uses.some((u) => u.startsWith('actions/checkout@')))
    const setupNode = steps('test').find((s) => typeof s.uses === 'string' && s.uses.startsWith('actions/setup-node@'))
    t.equal(String(at(setupNode, 'with', 'node-version')), ['$', '{{ matrix.node }}'].join(''), 'the version comes from the matrix')
    const matrix = list(at(job('test'), 'strategy', 'matrix', 'node'), 'node matrix').map(String)
    t.same(matrix, ['20', '22', '24'], 'tests on Node 20, 22 and 24')
    t.equal(at(job('test'), 'strategy', 'fail-fast'), false, 'one Node version failing does not hide the other')
    // The floors are the dev tools' (neostandard: ^20.19 || ^22.13 || >=24; tap: 20 || >=22).
    const engines = String(at(JSON.parse(readRepoFile('package.json')), 'engines', 'node'))
    t.equal(engines, '^20.19.0 || ^22.13.0 || >=24', 'engines admit the Node lines the tools support')
    t.same(engines.split('||').map((range) => /\d+/.exec(range)?.[0]), matrix, 'CI tests every Node line engines admit')
    t.equal(at(setupNode, 'with', 'cache'), 'npm')

    const runs = runLines('test')
    const order = ['npm ci', 'npm run lint', 'npm run typecheck', 'npm test', 'npm run build']
      .map((command) => runs.findIndex((r) => r === command || r.startsWith(`${command} `)))
    t.notOk(order.includes(-1), `every step present: ${JSON.stringify(runs)}`)
    t.same([...order].sort((a, b) => a - b), order, 'in that order')

    const testStep = steps('test').find((s) => s.run === 'npm test')
    t.ok(testStep, 'runs exactly `npm test`')
    t.same(stringMap(testStep?.env, 'test env'), {
      DATABASE_URL: 'postgres://postgres:postgres@localhost:5432/postgres',
      REDIS_URL: 'redis://localhost:6379'
    }, 'against the service containers')
    t.match(readRepoFile('README.md'), /`npm test`|^npm test\b/m, 'README documents the same `npm test`')

    const pkg: unknown = JSON.parse(readRepoFile('package.json'))
    for (const script of ['lint', 'typecheck', 'test', 'build']) t.ok(at(pkg, 'scripts', script), `package.json has a ${script} script`)
  })

  t.test('image job: builds the Dockerfile after the tests pass, then smoke-tests the image', async (t) => {
    t.equal(job('image').needs, 'test')
    const build = steps('image').find((s) => typeof s.uses === 'string' && s.uses.startsWith('docker/build-push-action@'))
    const plain = runLines('image').some((r) => /^docker build\b/.test(r))
    t.ok(build !== undefined || plain, 'docker build')
    if (build !== undefined) {
      t.equal(at(build, 'with', 'push'), false, 'nothing is pushed from CI')
      t.equal(at(build, 'with', 'load'), true, 'the image is loaded for the smoke test')
    }
    const smoke = runLines('image').find((r) => r.startsWith('ops/ci/'))
    const script = text(smoke, 'smoke step').split(' ')[0] ?? ''
    t.ok(statSync(repoPath(script)).mode & 0o100, `${script} is executable`)
    t.match(readRepoFile(script), /^set -Eeuo pipefail$/m, `${script} stops at the first failure`)
  })

  t.test('a failing step fails the pipeline: no continue-on-error, no swallowed exit codes', async (t) => {
    t.same(keys(workflow).filter((k) => k.endsWith('/continue-on-error')), [], 'no continue-on-error')
    const scripts = [...Object.keys(jobs).flatMap(runLines), ...listRepoDir('ops/ci').map((f) => readRepoFile(`ops/ci/${f}`))]
    for (const script of scripts) t.notMatch(script, /\|\|\s*(true|:)(\s|$)/, 'no `|| true` / `|| :`')
    t.notMatch(readRepoFile('.github/workflows/ci.yml'), /if:\s*\$?\{?\{?\s*always\(\)/, 'no step forced to run and pass')
  })
})
