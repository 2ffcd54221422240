import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'

const run = promisify(execFile)
const CLI = fileURLToPath(new URL('../../node_modules/@redocly/cli/bin/cli.js', import.meta.url))
/** `recommended` with the overrides docs/openapi.md gives reasons for. */
const CONFIG = fileURLToPath(new URL('../../redocly.yaml', import.meta.url))

export interface RedoclyProblem { ruleId: string, severity: string, message: string, pointer: string }

interface RawProblem { ruleId?: unknown, severity?: unknown, message?: unknown, location?: Array<{ pointer?: unknown }> }

/** Lints a file with Redocly's `recommended` ruleset (redocly.yaml), offline (no telemetry, no update check). */
export async function redoclyLint (file: string): Promise<RedoclyProblem[]> {
  let stdout: string
  try {
    stdout = (await run(process.execPath, [CLI, 'lint', '--config', CONFIG, '--format', 'json', file], {
      env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true', NO_COLOR: '1' },
      maxBuffer: 64 * 1024 * 1024
    })).stdout
  } catch (error) {
    // Redocly exits 1 when it found errors; its JSON report is still on stdout.
    const out = typeof error === 'object' && error !== null && 'stdout' in error ? error.stdout : undefined
    if (typeof out !== 'string' || !out.trim().startsWith('{')) throw error
    stdout = out
  }
  const report: { problems?: RawProblem[] } = JSON.parse(stdout)
  return (report.problems ?? []).map((p) => ({
    ruleId: String(p.ruleId),
    severity: String(p.severity),
    message: String(p.message),
    pointer: String(p.location?.[0]?.pointer ?? '')
  }))
}
