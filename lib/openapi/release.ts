import { isRecord } from '../is-record.js'
/** Where the committed contract lives, relative to the package root. */
export const RELEASED_DOCUMENT = 'openapi/goshop-api.json'
/** The contract as of the last released version: the baseline breaking changes are found against. */
export const LAST_RELEASE_DOCUMENT = 'openapi/goshop-api.last-release.json'
export const API_CHANGELOG = 'docs/api-changelog.md'

const sortedKeys = (value: unknown): unknown =>
  isRecord(value) ? Object.fromEntries(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : value

/**
 * The committed form of a document: two-space JSON with a final newline, in the order the app
 * serves it (which the code fixes), except `paths` and `components.schemas`, sorted by name, so
 * branches that each add a route or a schema change separate lines of the file.
 */
export function releaseText (document: unknown): string {
  if (!isRecord(document)) throw new Error('an OpenAPI document is an object')
  const components = isRecord(document.components) ? { ...document.components, schemas: sortedKeys(document.components.schemas) } : document.components
  const ordered = { ...document, paths: sortedKeys(document.paths), ...(components === undefined ? {} : { components }) }
  return `${JSON.stringify(ordered, null, 2)}\n`
}
