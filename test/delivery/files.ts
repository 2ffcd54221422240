import { readdirSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { parseAllDocuments, parseDocument, type ParseOptions, type SchemaOptions } from 'yaml'
import { EnvSchema } from '../../schemas/env.js'

/** Absolute path of a file in the repository. */
export const repoPath = (relative: string): string => fileURLToPath(new URL(`../../${relative}`, import.meta.url))

export const readRepoFile = (relative: string): string => readFileSync(repoPath(relative), 'utf8')

export const listRepoDir = (relative: string): string[] => readdirSync(repoPath(relative)).sort()

/** Every environment variable the app reads (schemas/env.ts). */
export const APP_ENV_NAMES: ReadonlySet<string> = new Set(Object.keys(EnvSchema.properties))

export type Json = Record<string, unknown>

export function isRecord (value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

export function record (value: unknown, what: string): Json {
  if (!isRecord(value)) throw new Error(`${what}: expected a mapping, got ${JSON.stringify(value)}`)
  return value
}

export function list (value: unknown, what: string): unknown[] {
  if (!Array.isArray(value)) throw new Error(`${what}: expected a list, got ${JSON.stringify(value)}`)
  return value
}

export function text (value: unknown, what: string): string {
  if (typeof value !== 'string') throw new Error(`${what}: expected a string, got ${JSON.stringify(value)}`)
  return value
}

/** Follows a path of keys/indexes; undefined as soon as a step is missing. */
export function at (value: unknown, ...path: Array<string | number>): unknown {
  let current = value
  for (const step of path) {
    if (typeof step === 'number') current = Array.isArray(current) ? current[step] : undefined
    else current = isRecord(current) ? current[step] : undefined
  }
  return current
}

/** A string→string map (labels, selectors, ConfigMap data); {} when absent. */
export function stringMap (value: unknown, what: string): Record<string, string> {
  if (value === undefined || value === null) return {}
  return Object.fromEntries(Object.entries(record(value, what)).map(([k, v]) => [k, text(v, `${what}.${k}`)]))
}

type YamlOptions = ParseOptions & SchemaOptions

/** Parses a (possibly multi-document) YAML file; any syntax error throws. */
export function readYamlDocuments (relative: string, options: YamlOptions = {}): unknown[] {
  const docs = parseAllDocuments(readRepoFile(relative), options)
  if (!Array.isArray(docs)) return []
  return docs.map((doc, index) => {
    if (doc.errors.length > 0) throw new Error(`${relative} document ${index}: ${doc.errors.map((e) => e.message).join('; ')}`)
    const value: unknown = doc.toJS()
    return value
  }).filter((value) => value !== null && value !== undefined)
}

export function readYaml (relative: string, options: YamlOptions = {}): Json {
  const doc = parseDocument(readRepoFile(relative), options)
  if (doc.errors.length > 0) throw new Error(`${relative}: ${doc.errors.map((e) => e.message).join('; ')}`)
  const value: unknown = doc.toJS()
  return record(value, relative)
}

/** KEY=value lines of a dotenv file (comments and blank lines skipped). */
export function readDotenv (relative: string): Record<string, string> {
  const entries: Array<[string, string]> = []
  for (const line of readRepoFile(relative).split('\n')) {
    const trimmed = line.trim()
    if (trimmed === '' || trimmed.startsWith('#')) continue
    const match = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(trimmed)
    if (match === null) throw new Error(`${relative}: not a KEY=value line: ${line}`)
    entries.push([match[1] ?? '', match[2] ?? ''])
  }
  return Object.fromEntries(entries)
}

/** Compose-style ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?error}, $$ substitution. */
export function interpolate (value: string, vars: Record<string, string | undefined>): string {
  return value.replace(/\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}/g, (whole, name: string | undefined, op: string | undefined, arg: string | undefined) => {
    if (whole === '$$') return '$'
    const key = name ?? ''
    const current = vars[key]
    const missing = op?.startsWith(':') === true ? current === undefined || current === '' : current === undefined
    if (!missing) return current ?? ''
    if (op?.endsWith('?') === true) throw new Error(`${key}: ${arg ?? 'required'}`)
    return op === undefined ? '' : (arg ?? '')
  })
}

/** Every `__ENV.NAME` / `__ENV[NAME]`-by-envInt variable the k6 scripts read. */
export function k6EnvNames (): Set<string> {
  const names = new Set<string>()
  const visit = (dir: string): void => {
    for (const entry of listRepoDir(dir)) {
      const path = `${dir}/${entry}`
      if (entry.endsWith('.ts')) {
        const source = readRepoFile(path)
        for (const m of source.matchAll(/__ENV\.([A-Z0-9_]+)/g)) names.add(m[1] ?? '')
        for (const m of source.matchAll(/envInt\('([A-Z0-9_]+)'/g)) names.add(m[1] ?? '')
      } else if (!entry.includes('.')) {
        visit(path)
      }
    }
  }
  visit('tests/load')
  return names
}
