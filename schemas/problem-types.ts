import { Type, type Static } from 'typebox'

const ProblemCode = Type.String({ pattern: '^[A-Z][A-Z0-9_]*$', maxLength: 64, description: 'The stable error code (Problem.code)', examples: ['TOKEN_MISSING'] })

/** What GET /problems/{slug} answers: the meaning of one problem `type` URI. */
export const ProblemType = Type.Object({
  type: Type.String({ description: 'The problem type URI that problems with this code carry', examples: ['/problems/token-missing'] }),
  code: ProblemCode,
  status: Type.Integer({ format: 'int32', minimum: 400, maximum: 599, description: 'The HTTP status it comes with', examples: [401] }),
  title: Type.String({ description: 'Short summary', examples: ['Access token missing'] }),
  description: Type.String({ description: 'What it means and what the client can do', examples: ['No usable Authorization: Bearer header was sent; log in and send the access token.'] })
}, { $id: 'ProblemType', title: 'ProblemType', description: 'One error code of this API' })

export const ProblemTypeList = Type.Object({
  data: Type.Array(ProblemType)
}, { $id: 'ProblemTypeList', title: 'ProblemTypeList', description: 'Every error code this API answers with' })

export const ProblemSlugParams = Type.Object({
  slug: Type.String({ pattern: '^[a-z][a-z0-9-]*$', maxLength: 64, description: 'The last segment of a problem type URI', examples: ['token-missing'] })
}, { additionalProperties: false })

export type ProblemTypeBody = Static<typeof ProblemType>
