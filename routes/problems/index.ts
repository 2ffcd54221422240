import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { AppError } from '../../lib/app-error.js'
import { documented, problemResponses } from '../../schemas/common.js'
import { ProblemSlugParams, ProblemType, ProblemTypeList } from '../../schemas/problem-types.js'
import { problemTypeOf, problemTypes } from './catalog.js'
import { HTTP_PROBLEMS } from '../../lib/problems/http.js'

const tags = ['operations']

/** The problem `type` URIs resolve here: what each error code means (public). */
const problemsRoutes: FastifyPluginAsyncTypebox = async (fastify) => {
  fastify.get('/problems', {
    schema: {
      tags,
      operationId: 'listProblemTypes',
      summary: 'List every error code',
      description: 'The registry of problem types: code, status, title and what to do about it.',
      response: { 200: documented(ProblemTypeList, { description: 'Every problem type' }) }
    }
  }, async () => ({ data: problemTypes() }))

  fastify.get('/problems/:slug', {
    schema: {
      tags,
      operationId: 'getProblemType',
      summary: 'Explain one error code',
      description: 'What a problem `type` URI (e.g. /problems/token-missing) means.',
      params: ProblemSlugParams,
      response: { 200: documented(ProblemType, { description: 'The problem type' }), ...problemResponses(HTTP_PROBLEMS.NOT_FOUND) }
    }
  }, async (request) => {
    const entry = problemTypeOf(request.params.slug)
    if (entry === undefined) throw new AppError(HTTP_PROBLEMS.NOT_FOUND, `No problem type ${request.params.slug}`)
    return entry
  })
}

export default problemsRoutes
