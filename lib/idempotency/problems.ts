import { defineProblems } from '../problems/define.js'

/** The problems of an Idempotency-Key, whichever operation takes one. */
export const IDEMPOTENCY_PROBLEMS = defineProblems({
  IDEMPOTENCY_KEY_IN_USE: { status: 409, title: 'Idempotency key in use', description: 'A request with this Idempotency-Key is still running; retry after Retry-After seconds.' },
  IDEMPOTENCY_KEY_REUSED: { status: 422, title: 'Idempotency key reused', description: 'This Idempotency-Key was already used with a different body; use a new key for a new request.' }
})
