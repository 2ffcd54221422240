import type { FastifySchemaValidationError } from 'fastify'
import type { FieldErrorBody } from '../schemas/problem.js'
import { MAX_DETAIL_LENGTH } from '../schemas/bounds.js'
import { clipText } from './problem.js'
import { MAX_VALIDATION_ERRORS } from './validator-compiler.js'

type Location = NonNullable<FieldErrorBody['in']>

const LOCATIONS: Record<string, Location> = {
  body: 'body', querystring: 'query', params: 'path', headers: 'header'
}

const escapePointer = (segment: string): string => segment.replaceAll('~', '~0').replaceAll('/', '~1')

function stringList (value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : []
}

/**
 * The values an enum (a union of literals) allows, by the place of a value it refused: TypeBox
 * reports one `const` error per literal, then the `anyOf`; they are told as one finding.
 */
function enumAlternatives (validation: FastifySchemaValidationError[]): Map<string, string[]> {
  const allowed = new Map<string, string[]>()
  for (const error of validation) {
    const value: unknown = error.params.allowedValue
    if (error.keyword !== 'const' || !/\/anyOf\/\d+$/.test(error.schemaPath) || (typeof value !== 'string' && typeof value !== 'number')) continue
    allowed.set(error.instancePath, [...(allowed.get(error.instancePath) ?? []), String(value)])
  }
  return allowed
}

/**
 * Turns validator errors into problem `errors` entries whose pointer names the
 * offending field itself (for a missing or unknown property, the property, not its parent).
 * At most MAX_VALIDATION_ERRORS entries (one error can name thousands of unknown properties).
 */
export function toFieldErrors (validation: FastifySchemaValidationError[], context: string | undefined): FieldErrorBody[] {
  const where = LOCATIONS[context ?? 'body'] ?? 'body'
  const out: FieldErrorBody[] = []
  const seen = new Set<string>()
  const push = (pointer: string, detail: string): void => {
    if (out.length >= MAX_VALIDATION_ERRORS) return
    const key = `${pointer}\u0000${detail}`
    if (seen.has(key)) return
    seen.add(key)
    out.push({ pointer: clipText(pointer, MAX_DETAIL_LENGTH), in: where, detail: clipText(detail, MAX_DETAIL_LENGTH) })
  }
  const allowed = enumAlternatives(validation)
  for (const error of validation) {
    if (out.length >= MAX_VALIDATION_ERRORS) break
    const base = error.instancePath
    const params: Record<string, unknown> = error.params
    const values = allowed.get(base)
    if (values !== undefined && (error.keyword === 'const' || error.keyword === 'anyOf')) {
      push(base, `must be one of ${values.join(', ')}`)
    } else if (error.keyword === 'required') {
      const names = [...stringList(params.requiredProperties), ...stringList([params.missingProperty])]
      for (const name of names) push(`${base}/${escapePointer(name)}`, 'is required')
    } else if (error.keyword === 'additionalProperties') {
      const names = [...stringList(params.additionalProperties), ...stringList([params.additionalProperty])]
      for (const name of names) push(`${base}/${escapePointer(name)}`, 'is not an allowed property')
    } else if (error.keyword === 'boolean' && error.schemaPath.endsWith('/additionalProperties')) {
      // TypeBox reports each unknown property as failing the `false` schema too: same finding.
      push(base, 'is not an allowed property')
    } else {
      push(base, error.message ?? 'is invalid')
    }
  }
  return out
}
