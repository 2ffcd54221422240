import { readFile, writeFile } from 'node:fs/promises'
import { buildApp } from '../app.js'
import { loadConfig } from '../lib/config.js'
import { readPackageVersion } from '../lib/version.js'
import { contractProblems } from '../lib/openapi/contract.js'
import { API_CHANGELOG, LAST_RELEASE_DOCUMENT, RELEASED_DOCUMENT, releaseText } from '../lib/openapi/release.js'

/**
 * `npm run openapi:release`: writes the document the app serves at /swagger/json to
 * openapi/goshop-api.json and reports the breaking changes against the last release that
 * docs/api-changelog.md does not record yet (exit 1). `-- --cut` also makes this document the
 * last release, when a version is released (docs/api-changelog.md).
 */
const cut = process.argv.includes('--cut')

// Embedded and in memory whatever the shell sets: the document does not depend on the database.
const config = loadConfig({ APP_ENV: 'test', PGLITE_DATA_DIR: 'memory', WEBHOOK_WORKER: 'false' })
const app = await buildApp({ config })
let generated: unknown
try {
  await app.ready()
  const res = await app.inject({ method: 'GET', url: '/swagger/json' })
  if (res.statusCode !== 200) throw new Error(`/swagger/json answered ${res.statusCode}`)
  generated = res.json()
} finally {
  await app.close()
}

const text = releaseText(generated)
await writeFile(RELEASED_DOCUMENT, text)
console.log(`wrote ${RELEASED_DOCUMENT}`)
if (cut) {
  const version = readPackageVersion()
  if (version.includes('-')) throw new Error(`package.json's version is ${version}, a pre-release: set the version being released before --cut`)
  await writeFile(LAST_RELEASE_DOCUMENT, text)
  console.log(`wrote ${LAST_RELEASE_DOCUMENT}: this document is now the last release`)
}
const problems = contractProblems({
  lastRelease: JSON.parse(await readFile(LAST_RELEASE_DOCUMENT, 'utf8')),
  generated,
  committed: text,
  changelog: await readFile(API_CHANGELOG, 'utf8')
})
for (const problem of problems) console.error(problem)
if (problems.length > 0) process.exitCode = 1
