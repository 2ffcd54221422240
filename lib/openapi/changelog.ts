const UNRELEASED = /^## Unreleased[ \t]*$/m

/**
 * The breaking-change identifiers listed in the changelog's `## Unreleased` entry: list items
 * that start with a code span (`` - `removed-field GET /api/x 200 name` — why ``).
 */
export function unreleasedBreakingChanges (changelog: string): string[] {
  const start = UNRELEASED.exec(changelog)
  if (start === null) throw new Error('the API changelog has no "## Unreleased" entry')
  const rest = changelog.slice(start.index + start[0].length)
  const next = rest.search(/^## /m)
  const entry = next === -1 ? rest : rest.slice(0, next)
  return [...entry.matchAll(/^[-*] `([^`]+)`/gm)].map((match) => match[1] ?? '')
}
