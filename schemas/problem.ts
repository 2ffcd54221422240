import { Type, type Static } from 'typebox'
import { MAX_CODE_LENGTH, MAX_DETAIL_LENGTH, MAX_FIELD_ERRORS, MAX_REQUEST_ID_LENGTH, MAX_TITLE_LENGTH, MAX_URL_LENGTH } from './bounds.js'

export const FieldLocation = Type.Union([Type.Literal('body'), Type.Literal('query'), Type.Literal('path'), Type.Literal('header')], {
  title: 'FieldLocation',
  description: 'The part of the request the pointer points into',
  examples: ['body']
})

export const FieldError = Type.Object({
  pointer: Type.String({ maxLength: MAX_DETAIL_LENGTH, description: 'JSON Pointer (RFC 6901) into the part named by `in`', examples: ['/items/0/quantity'] }),
  in: Type.Optional(FieldLocation),
  detail: Type.String({ maxLength: MAX_DETAIL_LENGTH, examples: ['must be >= 1'] })
}, { $id: 'FieldError', title: 'FieldError', description: 'One field at fault: where it is and what is wrong' })

/**
 * RFC 9457 problem details. Extension members (e.g. `items` on INSUFFICIENT_STOCK) are declared
 * by the problem definitions (lib/problems/define.ts); the serializer lets them through, and the
 * OpenAPI document lists them, with `code` as the ProblemCode enum (lib/openapi/problems.ts).
 */
export const Problem = Type.Object({
  type: Type.String({ maxLength: MAX_URL_LENGTH, description: 'URI reference identifying the problem type', examples: ['/problems/validation-failed'] }),
  title: Type.String({ maxLength: MAX_TITLE_LENGTH, description: 'The title of the problem type (the same for every problem with this code)', examples: ['Validation failed'] }),
  status: Type.Integer({ format: 'int32', minimum: 400, maximum: 599, examples: [400] }),
  detail: Type.String({ maxLength: MAX_DETAIL_LENGTH, examples: ['body/items/0/quantity must be >= 1'] }),
  instance: Type.String({ maxLength: MAX_URL_LENGTH, description: 'The request path (cut to 2048 characters)', examples: ['/api/orders'] }),
  code: Type.String({ pattern: '^[A-Z][A-Z0-9_]*$', maxLength: MAX_CODE_LENGTH, description: 'Stable machine-readable error code', examples: ['VALIDATION_FAILED'] }),
  request_id: Type.String({ maxLength: MAX_REQUEST_ID_LENGTH, examples: ['5f0c6b7e-3d1c-4c52-9a57-2a3b8f0c1d2e'] }),
  trace_id: Type.Optional(Type.String({ pattern: '^[0-9a-f]{32}$', minLength: 32, maxLength: 32, description: 'The W3C trace id of the request, when tracing is on', examples: ['4bf92f3577b34da6a3ce929d0e0e4736'] })),
  errors: Type.Optional(Type.Array(FieldError, { maxItems: MAX_FIELD_ERRORS, description: `The fields at fault: at most 10 for VALIDATION_FAILED, at most one per order line otherwise (${MAX_FIELD_ERRORS})` }))
}, { $id: 'Problem', title: 'Problem', description: 'An RFC 9457 problem: every error the service answers (application/problem+json)', additionalProperties: true })

export type ProblemBody = Static<typeof Problem>
export type FieldErrorBody = Static<typeof FieldError>
