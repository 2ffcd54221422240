import type { JSONValue } from 'k6'
import type { RefinedResponse, ResponseType } from 'k6/http'

export type JsonObject = { [key: string]: JSONValue }

export function isObject (value: JSONValue | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** The response body as a JSON object, or null when it is not one (empty, HTML, array...). */
export function bodyObject (res: RefinedResponse<ResponseType | undefined>): JsonObject | null {
  if (typeof res.body !== 'string' || res.body === '') return null
  try {
    const parsed = res.json()
    return isObject(parsed) ? parsed : null
  } catch {
    return null
  }
}

export function stringField (obj: JsonObject | null, key: string): string | undefined {
  const value = obj?.[key]
  return typeof value === 'string' ? value : undefined
}

export function numberField (obj: JsonObject | null, key: string): number | undefined {
  const value = obj?.[key]
  return typeof value === 'number' ? value : undefined
}

export function arrayField (obj: JsonObject | null, key: string): JSONValue[] {
  const value = obj?.[key]
  return Array.isArray(value) ? value : []
}
