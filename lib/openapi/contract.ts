import { findBreakingChanges } from './breaking-changes.js'
import { isRecord } from '../is-record.js'
import { unreleasedBreakingChanges } from './changelog.js'
import { API_CHANGELOG, LAST_RELEASE_DOCUMENT, RELEASED_DOCUMENT, releaseText } from './release.js'

export interface ContractState {
  /** The document of the last released version (openapi/goshop-api.last-release.json). */
  lastRelease: unknown
  /** The document the app serves now. */
  generated: unknown
  /** The text of the committed openapi/goshop-api.json. */
  committed: string
  /** The text of docs/api-changelog.md. */
  changelog: string
}

/**
 * What keeps the contract from breaking silently, as messages (none when all holds): every
 * breaking change since the last release is listed under `## Unreleased` in the changelog (and
 * nothing else is), the committed document is the one the app serves, and a contract that differs
 * from the last release does not carry its version (`info.version`, package.json's): an SDK versioned
 * by it must tell the two apart.
 */
export function contractProblems ({ lastRelease, generated, committed, changelog }: ContractState): string[] {
  const found = findBreakingChanges(lastRelease, generated)
  const listed = unreleasedBreakingChanges(changelog)
  const problems = [
    ...found.filter((change) => !listed.includes(change))
      .map((change) => `breaking change not recorded under "## Unreleased" in ${API_CHANGELOG}: \`${change}\``),
    ...listed.filter((change) => !found.includes(change))
      .map((change) => `${API_CHANGELOG} lists \`${change}\`, which is not a breaking change against ${LAST_RELEASE_DOCUMENT}: remove it`)
  ]
  if (releaseText(generated) !== committed) problems.push(`${RELEASED_DOCUMENT} is not the document the app serves: run \`npm run openapi:release\` and commit it`)
  const released = versionOf(lastRelease)
  if (versionOf(generated) === released && releaseText(withoutVersion(generated)) !== releaseText(withoutVersion(lastRelease))) {
    problems.push(`the contract differs from the last release (${LAST_RELEASE_DOCUMENT}) but keeps its version ${released}: set package.json's version to the next one (a pre-release such as 0.2.0-dev until it is released)`)
  }
  return problems
}

const infoOf = (doc: unknown): Record<string, unknown> => isRecord(doc) && isRecord(doc.info) ? doc.info : {}
const versionOf = (doc: unknown): unknown => infoOf(doc).version
const withoutVersion = (doc: unknown): unknown => isRecord(doc) ? { ...doc, info: { ...infoOf(doc), version: '' } } : doc
