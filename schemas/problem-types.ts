import { Type, type Static } from 'typebox'
import { MAX_CODE_LENGTH, MAX_TEXT_LENGTH, MAX_TITLE_LENGTH, MAX_URL_LENGTH } from './bounds.js'

/** More than the catalogue will ever hold (it has a few dozen codes). */
const MAX_PROBLEM_TYPES = 500

const ProblemCode = Type.String({ pattern: '^[A-Z][A-Z0-9_]*$', maxLength: MAX_CODE_LENGTH, description: 'The stable error code (Problem.code)', examples: ['TOKEN_MISSING'] })

/** What GET /problems/{slug} answers: the meaning of one problem `type` URI. */
export const ProblemType = Type.Object({
  type: Type.String({ maxLength: MAX_URL_LENGTH, description: 'The problem type URI that problems with this code carry', examples: ['/problems/token-missing'] }),
  code: ProblemCode,
  status: Type.Integer({ format: 'int32', minimum: 400, maximum: 599, description: 'The HTTP status it comes with', examples: [401] }),
  title: Type.String({ maxLength: MAX_TITLE_LENGTH, description: 'Short summary', examples: ['Access token missing'] }),
  description: Type.String({ maxLength: MAX_TEXT_LENGTH, description: 'What it means and what the client can do', examples: ['No usable Authorization: Bearer header was sent; log in and send the access token.'] })
}, { $id: 'ProblemType', title: 'ProblemType', description: 'One error code of this API' })

export const ProblemTypeList = Type.Object({
  data: Type.Array(ProblemType, { maxItems: MAX_PROBLEM_TYPES })
}, { $id: 'ProblemTypeList', title: 'ProblemTypeList', description: 'Every error code this API answers with' })

export const ProblemSlugParams = Type.Object({
  slug: Type.String({ pattern: '^[a-z][a-z0-9-]*$', maxLength: MAX_CODE_LENGTH, description: 'The last segment of a problem type URI', examples: ['token-missing'] })
}, { additionalProperties: false })

export type ProblemTypeBody = Static<typeof ProblemType>
