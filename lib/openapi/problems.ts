import { definedProblems, type ProblemDefinition } from '../problems/define.js'
import { referenceNamed } from './components.js'
import { isRecord } from '../is-record.js'

type Json = Record<string, unknown>

const plain = (schema: unknown): Json => {
  const copy: unknown = JSON.parse(JSON.stringify(schema))
  return isRecord(copy) ? copy : {}
}

/** `ProblemCode`: the codes of every defined problem type, as one named enum. */
function problemCodeSchema (problems: readonly ProblemDefinition[]): Json {
  return {
    type: 'string',
    enum: problems.map((problem) => problem.code),
    title: 'ProblemCode',
    description: 'Every error code the service sends (Problem.code); GET /problems/{slug} explains each',
    examples: ['VALIDATION_FAILED']
  }
}

/**
 * The Problem component as the definitions describe it: `code` is the ProblemCode enum and each
 * extension member a defined problem type carries is declared (with the codes that carry it), so
 * the document closes the object instead of allowing anything.
 */
function describedProblem (component: Json, problems: readonly ProblemDefinition[]): Json {
  const properties: Json = isRecord(component.properties) ? { ...component.properties } : {}
  properties.code = { $ref: '#/components/schemas/ProblemCode' }
  for (const problem of problems) {
    for (const [name, schema] of Object.entries(problem.extensions ?? {})) {
      if (name in properties) throw new Error(`problem extension ${name} of ${problem.code} is declared twice`)
      const codes = problems.filter((other) => other.extensions !== undefined && name in other.extensions).map((other) => other.code)
      const referenced = referenceNamed(plain(schema))
      properties[name] = { ...(isRecord(referenced) ? referenced : {}), description: `${String(plain(schema).description ?? name)} (only on ${codes.join(', ')})` }
    }
  }
  return { ...component, properties, additionalProperties: false }
}

/** Adds ProblemCode and completes Problem / ProblemType in `components.schemas` from the problem definitions. */
export function describeProblemComponents (schemas: Json): void {
  const problems = definedProblems()
  schemas.ProblemCode = problemCodeSchema(problems)
  if (isRecord(schemas.Problem)) schemas.Problem = describedProblem(schemas.Problem, problems)
  const problemType = schemas.ProblemType
  if (isRecord(problemType) && isRecord(problemType.properties)) {
    schemas.ProblemType = { ...problemType, properties: { ...problemType.properties, code: { $ref: '#/components/schemas/ProblemCode' } } }
  }
}
