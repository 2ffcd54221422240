import { readFileSync } from 'node:fs'

let cached: string | undefined

/** The package version, read once from package.json (found from source and from dist/). */
export function readPackageVersion (): string {
  if (cached !== undefined) return cached
  for (const candidate of ['../package.json', '../../package.json']) {
    try {
      const parsed: unknown = JSON.parse(readFileSync(new URL(candidate, import.meta.url), 'utf8'))
      if (typeof parsed === 'object' && parsed !== null && 'version' in parsed && typeof parsed.version === 'string') {
        cached = parsed.version
        return cached
      }
    } catch {
      // try the next location
    }
  }
  cached = '0.0.0'
  return cached
}
