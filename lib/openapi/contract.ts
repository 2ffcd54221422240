import { findBreakingChanges } from './breaking-changes.js'
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
 * nothing else is), and the committed document is the one the app serves.
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
  return problems
}
