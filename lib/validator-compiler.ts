import type { FastifySchemaCompiler, FastifySchemaValidationError } from 'fastify'
import type { TSchema } from 'typebox'
import { Compile } from 'typebox/compile'
import { Settings } from 'typebox/system'
import { exactConvert } from './exact-numbers.js'
import './formats.js'
import { stringsOnly } from './strings-only-schema.js'

/** A 400 lists at most this many field errors: enough to fix a request, cheap to find. */
export const MAX_VALIDATION_ERRORS = 10

/** Keys of a schema whose values are data, not subschemas (an example array is not an array schema). */
const DATA_KEYWORDS = new Set(['examples', 'default', 'const', 'enum'])

function isRecord (value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null
}

/**
 * The largest `maxItems` of any array in the schema, or Infinity when one array has none:
 * a value's arrays can be cut to one item more than that without changing which errors it has.
 */
export function largestMaxItems (schema: unknown): number {
  if (!isRecord(schema)) return 0
  let largest = 0
  if (schema.type === 'array') largest = typeof schema.maxItems === 'number' ? schema.maxItems : Infinity
  for (const [key, child] of Object.entries(schema)) {
    if (DATA_KEYWORDS.has(key)) continue
    const children = Array.isArray(child) ? child : [child]
    for (const item of children) largest = Math.max(largest, largestMaxItems(item))
  }
  return largest
}

/** A copy of the value with every array cut to its first `length` items. */
export function clipArrays (value: unknown, length: number): unknown {
  if (Array.isArray(value)) return value.slice(0, length).map((item) => clipArrays(item, length))
  if (!isRecord(value)) return value
  const copy: Record<string, unknown> = Object.create(Object.getPrototypeOf(value))
  for (const key of Object.keys(value)) {
    Object.defineProperty(copy, key, { value: clipArrays(value[key], length), enumerable: true, writable: true, configurable: true })
  }
  return copy
}

/**
 * Fastify validator compiler on TypeBox's compiled check, like @fastify/type-provider-typebox's,
 * but with error collection that stays cheap for any body the size limit lets in.
 *
 * TypeBox's error walk visits every item of an array even after it has all the errors it keeps
 * (its cap), so 500,000 bad items in a 1 MiB body cost seconds. A value that fails the check is
 * therefore walked for errors with every array cut to one item past the largest `maxItems` of
 * the schema: an array that was too long still fails `maxItems`, and the first items' errors are
 * the same. The cut needs every array of the schema to be bounded (the contract requires it; an
 * unbounded one disables the cut), and no check whose cost grows faster than the input
 * (`uniqueItems` is not used; see docs/openapi.md).
 */
export const validatorCompiler: FastifySchemaCompiler<TSchema> = ({ schema, httpPart }) => {
  Settings.Set({ maxErrors: MAX_VALIDATION_ERRORS })
  const validator = Compile(schema)
  const cutAt = largestMaxItems(schema) + 1
  const convert = httpPart !== 'body' && !stringsOnly(schema) ? exactConvert(schema) : null
  return (value: unknown) => {
    const converted = convert === null ? value : convert(value)
    if (validator.Check(converted)) return { value: converted }
    const walked = Number.isFinite(cutAt) ? clipArrays(converted, cutAt) : converted
    const error: FastifySchemaValidationError[] = validator.Errors(walked).slice(0, MAX_VALIDATION_ERRORS)
    return { error: error.length > 0 ? error : [{ keyword: 'schema', instancePath: '', schemaPath: '#', params: {}, message: 'does not match the schema' }] }
  }
}
