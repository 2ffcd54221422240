import { check } from 'k6'
import type { RefinedResponse, ResponseType } from 'k6/http'
import { bodyObject, stringField } from './json.ts'

type Response = RefinedResponse<ResponseType | undefined>

/** Status is the expected one; tagged with a readable name so the summary lists it. */
export function expectStatus (res: Response, status: number, name: string): boolean {
  return check(res, { [`${name}: status ${status}`]: (r) => r.status === status })
}

/** Every error must be RFC 9457 problem+json with the expected stable code. */
export function expectProblem (res: Response, status: number, code: string, name: string): boolean {
  return check(res, {
    [`${name}: status ${status}`]: (r) => r.status === status,
    [`${name}: problem+json`]: (r) => String(r.headers['Content-Type'] ?? '').startsWith('application/problem+json'),
    [`${name}: code ${code}`]: (r) => stringField(bodyObject(r), 'code') === code
  })
}

/** Load shed as designed: a problem+json with one of `codes` and a Retry-After. */
export function expectShed (res: Response, codes: string[], name: string): boolean {
  return check(res, {
    [`${name}: shed as problem+json`]: (r) => String(r.headers['Content-Type'] ?? '').startsWith('application/problem+json'),
    [`${name}: shed with ${codes.join(' or ')}`]: (r) => codes.includes(stringField(bodyObject(r), 'code') ?? ''),
    [`${name}: shed with Retry-After`]: (r) => (r.headers['Retry-After'] ?? '') !== ''
  })
}

/** Cross-cutting headers every response carries. */
export function expectCommonHeaders (res: Response, name: string): boolean {
  return check(res, {
    [`${name}: X-Request-Id`]: (r) => (r.headers['X-Request-Id'] ?? '') !== '',
    [`${name}: nosniff`]: (r) => r.headers['X-Content-Type-Options'] === 'nosniff'
  })
}
