import type { TestContext } from '../helpers/database.js'
import { buildTestApp } from '../helpers/app.js'

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json }
export type JsonObject = { [key: string]: Json }

export const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const

export function isObject (value: Json | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

export function objectAt (value: Json | undefined, key: string): JsonObject {
  const child = isObject(value) ? value[key] : undefined
  return isObject(child) ? child : {}
}

/** The component a `#/components/schemas/<name>` reference names, else the schema itself. */
export function resolveSchema (doc: JsonObject, schema: Json | undefined): Json | undefined {
  if (!isObject(schema) || typeof schema.$ref !== 'string') return schema
  const prefix = '#/components/schemas/'
  if (!schema.$ref.startsWith(prefix)) return schema
  return objectAt(objectAt(doc, 'components'), 'schemas')[schema.$ref.slice(prefix.length)]
}

function toJson (value: unknown): Json {
  const parsed: Json = JSON.parse(JSON.stringify(value))
  return parsed
}

/** The OpenAPI document exactly as /swagger/json serves it, from an app on its own fresh database. */
export async function openApiDocument (t: TestContext): Promise<JsonObject> {
  const app = await buildTestApp(t)
  const res = await app.inject({ method: 'GET', url: '/swagger/json' })
  if (res.statusCode !== 200) throw new Error(`/swagger/json answered ${res.statusCode}`)
  const doc = toJson(res.json())
  if (!isObject(doc)) throw new Error('the OpenAPI document is not an object')
  return doc
}

export interface Operation {
  method: string
  path: string
  /** `GET /api/products/{id}`: how failures name the operation. */
  name: string
  operation: JsonObject
}

export function operations (doc: JsonObject): Operation[] {
  const paths = objectAt(doc, 'paths')
  return Object.entries(paths).flatMap(([path, item]) => HTTP_METHODS
    .map((method) => ({ method, path, name: `${method.toUpperCase()} ${path}`, operation: objectAt(item, method) }))
    .filter((op) => isObject(item) && isObject(item[op.method])))
}
