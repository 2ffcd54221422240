import type { TSchema } from 'typebox'

/**
 * One problem type: everything the service says about an error code, written once next to the
 * code that sends it. The catalogue (GET /problems), the `type` URIs, the `Problem.code` enum and
 * the documented problem responses of the OpenAPI document are all derived from these.
 */
export interface ProblemDefinition<Code extends string = string> {
  readonly code: Code
  readonly status: number
  /** The problem type's title (RFC 9457 `title`): the same for every occurrence of the code. */
  readonly title: string
  /** What it means and what the client can do about it (the /problems page). */
  readonly description: string
  /** Extension members that problems with this code carry, beyond the standard ones. */
  readonly extensions?: Readonly<Record<string, TSchema>>
}

type Spec = Omit<ProblemDefinition, 'code'>
type Defined<T extends Record<string, Spec>> = { readonly [Code in keyof T & string]: T[Code] & { readonly code: Code } }

const DEFINED = new Map<string, ProblemDefinition>()

/**
 * Defines problem types, keyed by their code, and records them for the catalogue. Code is thrown
 * with a definition (`new AppError(ORDER_PROBLEMS.ORDER_NOT_FOUND, ...)`), never a bare string, so
 * a code that is sent is always a defined one, and its module has been loaded (so recorded) by then.
 */
export function defineProblems<const T extends Record<string, Spec>> (specs: T): Defined<T> {
  const defined: Record<string, ProblemDefinition> = {}
  for (const [code, spec] of Object.entries(specs)) {
    if (!/^[A-Z][A-Z0-9_]*$/.test(code)) throw new Error(`problem code ${code} is not UPPER_SNAKE`)
    if (DEFINED.has(code)) throw new Error(`problem code ${code} is defined twice`)
    const definition = { ...spec, code }
    DEFINED.set(code, definition)
    defined[code] = definition
  }
  return typedAs<Defined<T>>(defined)
}

// The loop above builds exactly Defined<T> (each spec plus its own key as `code`); TypeScript
// cannot follow a mapped type through Object.entries, so the one assertion lives here.
function typedAs<T> (value: unknown): T {
  return value as T
}

/** Every problem type defined so far, by status then code. */
export function definedProblems (): ProblemDefinition[] {
  return [...DEFINED.values()].sort((a, b) => a.status - b.status || a.code.localeCompare(b.code))
}

/** The definition of a code; throws for a code nothing defines. */
export function problemDefinition (code: string): ProblemDefinition {
  const problem = DEFINED.get(code)
  if (problem === undefined) throw new Error(`problem code ${code} is not defined`)
  return problem
}
