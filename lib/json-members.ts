import { isRecord } from './is-record.js'
/**
 * The most object members (key-value pairs) a valid JSON body of a schema can hold, counted over
 * the whole body: an object's declared properties and what they hold, an array's `maxItems`
 * times what one item holds. JSON.parse's cost grows with the number of distinct keys it meets
 * (one 850 KB object of 80,000 keys takes tens of milliseconds), so a body with more members than
 * any valid request can have is refused before it is parsed (plugins/app/json-body.ts).
 */

/** What a value of no declared shape may hold (a batch item is checked on its own: 5 fields, room for mistakes). */
const SHAPELESS_MEMBERS = 16
/** Members beyond the bound still parsed, so a few unknown fields get their own validation errors. */
export const MEMBER_SLACK = 32

function membersOf (schema: unknown): number {
  if (!isRecord(schema)) return SHAPELESS_MEMBERS
  for (const keyword of ['anyOf', 'oneOf'] as const) {
    const branches = schema[keyword]
    if (Array.isArray(branches)) return Math.max(0, ...branches.map(membersOf))
  }
  if (schema.type === 'object') {
    const properties = isRecord(schema.properties) ? Object.values(schema.properties) : []
    const declared = properties.reduce<number>((sum, property) => sum + 1 + membersOf(property), 0)
    return schema.additionalProperties === false ? declared : declared + SHAPELESS_MEMBERS
  }
  if (schema.type === 'array') {
    // Every array of the contract has maxItems (SPEC §1); one without is unbounded here too.
    return typeof schema.maxItems === 'number' ? schema.maxItems * membersOf(schema.items) : Infinity
  }
  // A scalar (string, number, integer, boolean, null, or a list of those types); no type: any shape.
  return 'type' in schema || 'const' in schema || 'enum' in schema ? 0 : SHAPELESS_MEMBERS
}

const bounds = new WeakMap<object, number>()

/** The member bound of a route's body schema (plus MEMBER_SLACK), computed once per schema; no schema: the shapeless bound. */
export function maxBodyMembers (schema: unknown): number {
  if (!isRecord(schema)) return SHAPELESS_MEMBERS + MEMBER_SLACK
  let bound = bounds.get(schema)
  if (bound === undefined) {
    bound = membersOf(schema) + MEMBER_SLACK
    bounds.set(schema, bound)
  }
  return bound
}
