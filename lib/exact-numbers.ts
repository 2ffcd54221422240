import type { TSchema } from 'typebox'
import { Value } from 'typebox/value'
import { isRecord } from './is-record.js'

/**
 * Query strings may carry numbers (SPEC §1), which TypeBox's Value.Convert turns from strings
 * into numbers before the check; but it also truncates (`limit=1.5` becomes 1) and reads hex
 * (`0x10` becomes 16), so a value the contract calls invalid passed as another. This converts as
 * Convert does, then puts back each top-level integer or number property's string that is not a
 * plain decimal of that kind, so the check refuses it with TypeBox's own error ("must be
 * integer"). Which properties to watch is decided once per schema.
 */
const GRAMMAR = {
  integer: /^-?\d+$/u,
  number: /^-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?$/u
} as const

/** Value.Convert for a schema of a non-body part (params, querystring, headers), converting numbers only from plain decimals. */
export function exactConvert (schema: TSchema): (value: unknown) => unknown {
  const watched: Array<[string, RegExp]> = []
  const properties: unknown = 'properties' in schema ? schema.properties : undefined
  if (isRecord(properties)) {
    for (const [name, property] of Object.entries(properties)) {
      if (isRecord(property) && (property.type === 'integer' || property.type === 'number')) watched.push([name, GRAMMAR[property.type]])
    }
  }
  if (watched.length === 0) return (value) => Value.Convert(schema, value)
  return (value) => {
    // Read before converting: Convert may change the object it is given.
    const inexact = isRecord(value) ? watched.filter(([name, grammar]) => typeof value[name] === 'string' && !grammar.test(value[name])) : []
    const raw = inexact.map(([name]) => [name, isRecord(value) ? value[name] : undefined] as const)
    const converted = Value.Convert(schema, value)
    if (raw.length === 0 || !isRecord(converted)) return converted
    const exact: Record<string, unknown> = { ...converted }
    for (const [name, string] of raw) exact[name] = string
    return exact
  }
}
