/**
 * Whether every value a schema describes is a string or an object of strings (nested objects
 * allowed): no number, integer, boolean, array, null, union or conditional anywhere.
 *
 * A performance shortcut (BENCHMARKS.md, "Performance shortcuts"): the validator compiler converts
 * params, querystring and headers with TypeBox's Value.Convert before checking them (HTTP gives
 * strings, a schema may want numbers or booleans), ~1 µs per part per request. Values from HTTP
 * are strings or arrays of strings, which Convert leaves as they are when the schema wants strings,
 * so for such a schema the conversion is skipped, decided once when the route's schema is compiled.
 * Kept exact by test/lib/strings-only-schema.perf-guard.test.ts.
 */
export function stringsOnly (schema: unknown): boolean {
  if (typeof schema !== 'object' || schema === null) return false
  const node: Record<string, unknown> = { ...schema }
  for (const keyword of ['anyOf', 'oneOf', 'allOf', 'not', 'if', 'patternProperties', 'additionalItems', 'items', 'prefixItems', '$ref']) {
    if (keyword in node) return false
  }
  if (node.type === 'string') return true
  if (node.type !== 'object') return false
  if (typeof node.additionalProperties === 'object') return false
  const properties = node.properties
  if (properties === undefined) return true
  if (typeof properties !== 'object' || properties === null) return false
  return Object.values(properties).every(stringsOnly)
}
