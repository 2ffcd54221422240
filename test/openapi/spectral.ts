import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { isObject, type Json } from './document.js'

const run = promisify(execFile)

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const CLI = fileURLToPath(new URL('../../node_modules/@stoplight/spectral-cli/dist/index.js', import.meta.url))
const RULESET = fileURLToPath(new URL('../../.spectral.yaml', import.meta.url))

export interface Finding {
  code: string
  severity: 'error' | 'warning' | 'info' | 'hint'
  message: string
  path: string
}

const SEVERITIES = ['error', 'warning', 'info', 'hint'] as const

function toFinding (raw: Json): Finding | null {
  if (!isObject(raw)) return null
  const severity = typeof raw.severity === 'number' ? SEVERITIES[raw.severity] : undefined
  if (typeof raw.code !== 'string' || severity === undefined) return null
  const path = Array.isArray(raw.path) ? raw.path.join('.') : ''
  return { code: raw.code, severity, message: typeof raw.message === 'string' ? raw.message : '', path }
}

/** The JSON report on stdout; Spectral exits 1 when it found errors, which is still a report. */
async function runSpectral (args: string[]): Promise<string> {
  try {
    return (await run(process.execPath, [CLI, ...args], { cwd: ROOT, maxBuffer: 64 * 1024 * 1024 })).stdout
  } catch (error) {
    const stdout = typeof error === 'object' && error !== null && 'stdout' in error ? error.stdout : undefined
    if (typeof stdout === 'string' && stdout.trim().startsWith('[')) return stdout
    throw error
  }
}

/**
 * Lints a document file with the project ruleset through the Spectral CLI (the same
 * ruleset `npm run lint:openapi` uses; it resolves the OWASP package from node_modules).
 */
export async function spectralLint (file: string): Promise<Finding[]> {
  const stdout = await runSpectral(['lint', '--ruleset', RULESET, '--format', 'json', '--fail-severity', 'error', file])
  const parsed: Json = stdout.trim() === '' ? [] : JSON.parse(stdout)
  if (!Array.isArray(parsed)) throw new Error(`unexpected Spectral output: ${stdout.slice(0, 500)}`)
  return parsed.map(toFinding).filter((f): f is Finding => f !== null)
}
