import { spawn } from 'node:child_process'
import pg from 'pg'
import { suite } from '../helpers/suite.js'
import { migrations } from '../../db/migrations/index.js'
import { createTestDatabase, usingRealPostgres } from '../helpers/database.js'
import { ensureBuilt, freePort } from '../helpers/server-process.js'
import { repoPath, stringMap } from './files.js'
import { find, loadObjects } from './k8s.js'

const objects = loadObjects()
const k8sEnv = {
  ...stringMap(find(objects, 'ConfigMap', 'goshop-config').body.data, 'ConfigMap data'),
  ...stringMap(find(objects, 'Secret', 'goshop-secrets').body.stringData, 'Secret stringData')
}

interface Run { code: number | null, output: string }

export default suite(import.meta, (t) => {
  t.before(async () => { await ensureBuilt() })

  function runMigrate (env: Record<string, string>): Promise<Run> {
    return new Promise((resolve, reject) => {
    // The built script, as the image's init container runs it.
      const child = spawn(process.execPath, [repoPath('dist/scripts/migrate.js')], {
        cwd: repoPath('.'),
        env: { PATH: process.env.PATH ?? '', ...env },
        stdio: ['ignore', 'pipe', 'pipe']
      })
      let output = ''
      child.stdout.on('data', (chunk: Buffer) => { output += chunk.toString() })
      child.stderr.on('data', (chunk: Buffer) => { output += chunk.toString() })
      child.on('error', reject)
      child.on('close', (code) => { resolve({ code, output }) })
    })
  }

  /** The k8s environment, with the database pointed at this test's own database. */
  async function envForTest (t: Parameters<typeof createTestDatabase>[0], dataDir: string): Promise<{ env: Record<string, string>, url: string | null }> {
    const { url } = await createTestDatabase(t, { migrated: false })
    if (url !== null) return { env: { ...k8sEnv, DATABASE_URL: url }, url }
    const { DB_HOST: _host, ...withoutServer } = k8sEnv
    return { env: { ...withoutServer, PGLITE_DATA_DIR: dataDir }, url: null }
  }

  async function appliedMigrations (url: string): Promise<string[]> {
    const client = new pg.Client({ connectionString: url })
    await client.connect()
    try {
      const result = await client.query<{ name: string }>('SELECT name FROM kysely_migration ORDER BY name')
      return result.rows.map((r) => r.name)
    } finally {
      await client.end()
    }
  }

  t.test('the init container waits for a Postgres that does not answer yet, within STARTUP_TIMEOUT_MS, then exits 1 saying so', async (t) => {
    const { DB_HOST: _host, ...withoutServer } = k8sEnv
    const refused = `postgres://postgres@127.0.0.1:${await freePort()}/goshop`
    const { code, output } = await runMigrate({ ...withoutServer, DATABASE_URL: refused, STARTUP_TIMEOUT_MS: '2500' })
    t.equal(code, 1, output)
    t.match(output, /waiting for Postgres to answer \(STARTUP_TIMEOUT_MS=2500 bounds the wait\): connect ECONNREFUSED/)
    t.match(output, /Postgres did not answer in time \(last: connect ECONNREFUSED/)
  })

  t.test('the init container command migrates a fresh database with the k8s configuration, idempotently', async (t) => {
    const { env, url } = await envForTest(t, t.testdir())
    const first = await runMigrate(env)
    t.equal(first.code, 0, `first run exits 0\n${first.output}`)
    for (const name of Object.keys(migrations)) t.match(first.output, `Success: ${name}`, `applies ${name}`)
    t.match(first.output, /migrations up to date/)

    const second = await runMigrate(env)
    t.equal(second.code, 0, `second run exits 0\n${second.output}`)
    t.notMatch(second.output, /Success:/, 'nothing left to apply')
    if (url !== null) t.same(await appliedMigrations(url), Object.keys(migrations).sort(), 'each migration recorded once')
  })

  // Replicas share a database server; an embedded PGlite belongs to one process (the first test runs its migrations).
  if (usingRealPostgres()) {
    t.test('replicas starting together apply each migration once (advisory lock)', async (t) => {
      const { env, url } = await envForTest(t, t.testdir())
      if (url === null) throw new Error('a Postgres database has a url')
      const runs = await Promise.all([runMigrate(env), runMigrate(env), runMigrate(env)])
      for (const run of runs) t.equal(run.code, 0, `every replica's init container succeeds\n${run.output}`)
      const successes = runs.flatMap((run) => [...run.output.matchAll(/Success: (\S+)/g)].map((m) => m[1]))
      t.same(successes.sort(), Object.keys(migrations).sort(), 'each migration applied by exactly one replica')
      t.same(await appliedMigrations(url), Object.keys(migrations).sort())
    })
  }

  t.test('a bad configuration fails the init container (exit 1, variable named, secret hidden)', async (t) => {
    const badPort = await runMigrate({ ...k8sEnv, DB_PORT: 'not-a-port' })
    t.equal(badPort.code, 1)
    t.match(badPort.output, /DB_PORT/)
    const badSecret = await runMigrate({ ...k8sEnv, JWT_SECRET: 'too-short-secret' })
    t.equal(badSecret.code, 1)
    t.match(badSecret.output, /JWT_SECRET/)
    t.notMatch(badSecret.output, /too-short-secret/, 'the secret value is not printed')
    const { ALLOW_DEV_SECRETS: allowed, ...withoutAllowance } = k8sEnv
    t.equal(allowed, 'true', 'the minikube ConfigMap says its Secret holds the published development values')
    const published = await runMigrate(withoutAllowance)
    t.equal(published.code, 1, 'without that, production refuses them')
    t.match(published.output, /JWT_SECRET=\(hidden\): is a published placeholder/)
    t.match(published.output, /ADMIN_PASSWORD=\(hidden\): is published in this repository/)
  })
})
