import { problemType } from '../../lib/problem.js'
import { definedProblems } from '../../lib/problems/define.js'
import type { ProblemTypeBody } from '../../schemas/problem-types.js'
// Every module that defines problem types, so the catalogue is complete wherever it is read
// (the app loads them all anyway: each is imported by the code that sends its problems).
import '../../lib/problems/http.js'
import '../admin/problems.js'
import '../api-keys/problems.js'
import '../auth/problems.js'
import '../customers/problems.js'
import '../events/problems.js'
import '../orders/problems.js'
import '../products/problems.js'
import '../webhooks/problems.js'

/**
 * Every problem type the service answers with, derived from the definitions (lib/problems/,
 * routes/<domain>/problems.ts): the registry behind GET /problems and the pages the `type` URIs
 * of problem bodies resolve to.
 */
export function problemTypes (): ProblemTypeBody[] {
  return definedProblems().map(({ code, status, title, description }) => ({ type: problemType(code), code, status, title, description }))
}

export const problemTypeOf = (slug: string): ProblemTypeBody | undefined =>
  problemTypes().find((entry) => entry.type === `/problems/${slug}`)
