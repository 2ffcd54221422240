import type { Instruction } from 'dockerfile-ast'
import { suite } from '../helpers/suite.js'
import { execForm, parseDockerfile } from './docker.js'
import { APP_ENV_NAMES, at, isRecord, readRepoFile } from './files.js'

const dockerfile = parseDockerfile()
const instructions = dockerfile.getInstructions()
const froms = dockerfile.getFROMs()

interface Stage { name: string | null, base: string, body: Instruction[] }

/** Instructions grouped by build stage. */
const stages: Stage[] = froms.map((from, index) => {
  const start = instructions.indexOf(from)
  const next = froms[index + 1]
  const end = next === undefined ? instructions.length : instructions.indexOf(next)
  return { name: from.getBuildStage(), base: from.getArguments()[0]?.getValue() ?? '', body: instructions.slice(start + 1, end) }
})
const runtime = stages.at(-1)
const args = (i: Instruction): string[] => i.getArguments().map((a) => a.getValue())
const runs = (stage: Stage | undefined): string[] =>
  (stage?.body ?? []).filter((i) => i.getKeyword() === 'RUN').map((i) => i.getArgumentsContent() ?? '')

export default suite(import.meta, (t) => {
  t.test('multi-stage build on pinned base images', async (t) => {
    t.ok(stages.length >= 3, `${stages.length} stages`)
    const names = new Set<string>()
    for (const stage of stages) {
      if (names.has(stage.base)) {
        t.pass(`${stage.name ?? '?'} builds on stage ${stage.base}`)
      } else {
        t.match(stage.base, /^[\w./-]+:[\w.-]*\d[\w.-]*(@sha256:[a-f0-9]{64})?$|@sha256:[a-f0-9]{64}$/, `${stage.base}: a version tag or digest`)
        t.notMatch(stage.base, /:latest\b/, `${stage.base}: not latest`)
        t.match(stage.base, /^node:24\.\d+\.\d+-/, 'Node 24 LTS, pinned to a patch release (CI tests it)')
      }
      if (stage.name !== null) {
        t.notOk(names.has(stage.name), `stage ${stage.name} named once`)
        names.add(stage.name)
      }
    }
  })

  t.test('dependencies with npm ci, a separate production-only install, compiled with tsc', async (t) => {
    const all = stages.flatMap(runs)
    t.ok(all.some((r) => /\bnpm ci\b/.test(r) && !r.includes('--omit=dev')), 'full npm ci for the build')
    const prodStage = stages.find((s) => runs(s).some((r) => /\bnpm ci\b.*--omit=dev/.test(r)))
    t.ok(prodStage, 'npm ci --omit=dev in its own stage')
    t.ok(all.some((r) => /\bnpm run build\b/.test(r)), 'npm run build (tsc -p tsconfig.build.json)')

    // With --ignore-scripts, every production package that has an install script must be rebuilt
    // explicitly (the image's npm 10 does not read package.json "allowScripts").
    const lock: unknown = JSON.parse(readRepoFile('package-lock.json'))
    const packages = at(lock, 'packages')
    const needScripts = Object.entries(isRecord(packages) ? packages : {})
      .filter(([, meta]) => at(meta, 'hasInstallScript') === true && at(meta, 'dev') !== true)
      .map(([path]) => path.replace(/^.*node_modules\//, ''))
    const pkg: unknown = JSON.parse(readRepoFile('package.json'))
    const allowed = at(pkg, 'allowScripts')
    for (const name of needScripts) {
      t.equal(at(allowed, name), true, `${name}: install script approved in package.json allowScripts`)
      for (const stage of [stages.find((s) => s.name === 'deps'), prodStage]) {
        const script = runs(stage).join('\n')
        if (script.includes('--ignore-scripts')) t.match(script, new RegExp(`npm rebuild ${name}\\b`), `${stage?.name ?? '?'}: rebuilds ${name}`)
      }
    }
    t.ok(needScripts.includes('argon2'), 'argon2 (native) is among them')
  })

  t.test('runtime stage: compiled JS, production modules and package.json only; non-root; health-checked', async (t) => {
    if (runtime === undefined) throw new Error('no stages')
    t.notOk(runtime.body.some((i) => i.getKeyword() === 'ADD'), 'no ADD')
    const copied = dockerfile.getCOPYs().filter((c) => runtime.body.includes(c)).map((c) => {
      const rest = args(c)
      return { from: c.getFromFlag()?.getValue() ?? null, sources: rest.slice(0, -1), dest: rest.at(-1) }
    })
    const buildStages = new Set(stages.map((s) => s.name))
    t.same(copied.map((c) => [c.from === null ? 'context' : 'stage', c.sources.join(' ')]).sort(),
      [['context', 'package.json'], ['stage', '/app/dist'], ['stage', '/app/node_modules']],
      'copies only dist/, node_modules/ and package.json')
    for (const c of copied) if (c.from !== null) t.ok(buildStages.has(c.from), `--from=${c.from} is a build stage`)
    const prodModules = copied.find((c) => c.sources.includes('/app/node_modules'))
    const prodStage = stages.find((s) => s.name === prodModules?.from)
    t.ok(runs(prodStage).some((r) => r.includes('--omit=dev')), 'node_modules come from the production-only install')
    t.notOk(runs(runtime).some((r) => /\bnpm (ci|install)\b/.test(r)), 'nothing installed in the runtime stage')

    const users = runtime.body.filter((i) => i.getKeyword() === 'USER').map((i) => args(i)[0] ?? '')
    t.ok(users.length > 0, 'USER set in the final stage')
    const user = users.at(-1) ?? ''
    t.ok(user === 'node' || (/^\d+$/.test(user) && Number(user) > 0), `runs as ${user}, not root`)
    t.same(runtime.body.filter((i) => i.getKeyword() === 'EXPOSE').flatMap(args), ['8080', '9464'])
    t.same(execForm(runtime.body.find((i) => i.getKeyword() === 'CMD')), ['node', 'dist/server.js'])
    const pkg: unknown = JSON.parse(readRepoFile('package.json'))
    t.equal(at(pkg, 'scripts', 'start'), 'node dist/server.js', 'the same entry point as npm start')

    const healthchecks = dockerfile.getHEALTHCHECKs()
    t.equal(healthchecks.length, 1)
    const probe = execForm(healthchecks[0])
    t.equal(probe[0], 'node', 'HEALTHCHECK uses node (no curl in a slim image)')
    t.match(probe.join(' '), /\/health\/live/, 'against the liveness route')
  })

  t.test('environment: APP_ENV=production, only variables the app reads', async (t) => {
    const env = dockerfile.getENVs().flatMap((e) => e.getProperties().map((p) => [p.getName(), p.getValue()]))
    for (const [name] of env) t.ok(APP_ENV_NAMES.has(name ?? ''), `${name ?? ''} is read by the app`)
    t.ok(env.some(([name, value]) => name === 'APP_ENV' && value === 'production'))
  })

  t.test('.dockerignore keeps secrets, local state and host builds out of the context', async (t) => {
    const ignored = readRepoFile('.dockerignore').split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'))
    for (const entry of ['.env', '.git', 'node_modules', 'dist', '.data', 'coverage']) t.ok(ignored.includes(entry), `${entry} ignored`)
    t.notOk(ignored.some((l) => /^(schemas|plugins|routes|db|scripts|package(-lock)?\.json|tsconfig.*)$/.test(l)), 'build inputs stay in')
  })
})
