import type { TSchema } from 'typebox'
import { CHECKED_AS_KEY } from '../../schemas/common.js'
import { COMPONENT_SCHEMAS } from '../../schemas/components.js'
import { isRecord } from '../is-record.js'

type Json = Record<string, unknown>

/* Named schemas: one component per name, referenced everywhere else. An object schema is named by
   its `$id`; an enum by its `title` alone (an `$id` would break fast-json-stringify where an enum
   occurs twice in one response, as OrderStatus does in Order). */

/** A schema's keywords as a record (TypeBox's types do not carry `$id`, `title` or `description`). */
export const asRecord = (schema: TSchema): Json => Object.fromEntries(Object.entries(schema))
const nameOf = (schema: Json): string | undefined => typeof schema.$id === 'string' ? schema.$id : typeof schema.title === 'string' ? schema.title : undefined

const COMPONENTS = new Map<string, Json>()
for (const schema of COMPONENT_SCHEMAS.map(asRecord)) {
  const name = nameOf(schema)
  if (name === undefined) throw new Error(`a component schema has neither $id nor title: ${JSON.stringify(schema).slice(0, 200)}`)
  if (COMPONENTS.has(name)) throw new Error(`two component schemas are named ${name}`)
  COMPONENTS.set(name, schema)
}
/** Enum components: named by title, without an `$id`. */
const ENUMS = new Set([...COMPONENTS].filter(([, schema]) => schema.$id === undefined).map(([name]) => name))

export const isComponentName = (name: string): boolean => COMPONENTS.has(name)

export function componentRef (name: string): Json {
  if (!COMPONENTS.has(name)) throw new Error(`schema ${name} has an $id but is not listed in schemas/components.ts`)
  return { $ref: `#/components/schemas/${name}` }
}

/** A deep copy in which every named schema is a `$ref` to its component (a use's own description kept beside it). */
export function referenceNamed (value: unknown): unknown {
  if (Array.isArray(value)) return value.map(referenceNamed)
  if (!isRecord(value)) return value
  if (typeof value.$id === 'string') return componentRef(value.$id)
  // Validated as any value, checked by a service against this component (schemas/common.ts CheckedLater).
  const checkedAs = value[CHECKED_AS_KEY]
  if (typeof checkedAs === 'string') return { ...componentRef(checkedAs), ...(typeof value.description === 'string' ? { description: value.description } : {}) }
  // Type.Ref('<$id>'): a second use of a named schema inside the same route schema.
  if (typeof value.$ref === 'string' && COMPONENTS.has(value.$ref)) return componentRef(value.$ref)
  if (typeof value.title === 'string' && ENUMS.has(value.title)) {
    // A use's description stays beside the reference: a parameter is described by it.
    return { ...componentRef(value.title), ...(typeof value.description === 'string' ? { description: value.description } : {}) }
  }
  return Object.fromEntries(Object.entries(value).map(([key, child]) => [key, referenceNamed(child)]))
}

/**
 * A parameter whose schema is a named enum: the schema becomes the reference and its description the
 * parameter's (@fastify/swagger drops a description beside a `$ref` in a parameter schema). A list
 * of a named enum references it for its items; the serialization keywords a property schema carries
 * (`style`, `explode`: schemas/events.ts `types`) move to the parameter, which @fastify/swagger only
 * fills from the querystring schema as a whole.
 */
export function referenceParameter (parameter: Json): void {
  if (!isRecord(parameter.schema)) return
  const { style, explode, ...schema } = parameter.schema
  if (style !== undefined) parameter.style = style
  if (explode !== undefined) parameter.explode = explode
  parameter.schema = isRecord(schema.items) ? { ...schema, items: referenceNamed(schema.items) } : schema
  if (typeof schema.title !== 'string' || !ENUMS.has(schema.title)) return
  if (typeof parameter.description !== 'string' && typeof schema.description === 'string') parameter.description = schema.description
  parameter.schema = componentRef(schema.title)
}

/** A union of string literals as one `enum` (what generators turn into one enum type). */
function asEnum ({ anyOf, ...rest }: Json): Json {
  const values = Array.isArray(anyOf) ? anyOf.map((branch) => isRecord(branch) ? branch.const : undefined) : []
  if (values.length === 0 || !values.every((value) => typeof value === 'string')) throw new Error(`enum ${String(rest.title)} is not a union of string literals`)
  return { type: 'string', enum: values, ...rest }
}

/** `components.schemas`: each listed schema without its `$id`, the named schemas inside it referenced. */
export function componentSchemas (): Record<string, Json> {
  const components: Record<string, Json> = {}
  for (const [name, { $id: _id, ...body }] of COMPONENTS) {
    const referenced = Object.fromEntries(Object.entries(body).map(([key, child]) => [key, referenceNamed(child)]))
    components[name] = ENUMS.has(name) ? asEnum(referenced) : referenced
  }
  return components
}
