import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { documented, IdParams, PreconditionHeaders, IfNoneMatchHeaders, NoContent, NotModified, problemResponses } from '../../schemas/common.js'
import { API_KEY_SCHEMAS, ApiKey, ApiKeyPage, ApiKeyWithSecret, apiKeyHeaders, CreateApiKeyBody, ListApiKeysQuery, RollApiKeyBody } from '../../schemas/api-keys.js'
import { API_KEY_PROBLEMS } from './problems.js'
import { HTTP_PROBLEMS } from '../../lib/problems/http.js'
import { preconditions, notModified, sendNotModified, setEtag } from '../../lib/http/etag.js'
import { setNextLink } from '../../lib/http/pagination.js'
import { validatorCompiler } from '../../lib/validator-compiler.js'
import { auditContext } from '../audit/context.js'
import { presentKey, presentKeyWithSecret } from './presenter.js'
import * as service from './service.js'

const tags = ['api-keys']
const security = [{ bearerAuth: [] }]

/**
 * /api/api-keys: keys for programs (SPEC §7). Every account manages its own keys, admins every
 * key. These routes declare no `scopes`, so they take a user access token only: a key cannot
 * create, roll or list keys, so a leaked key cannot mint itself a successor.
 */
const apiKeysRoutes: FastifyPluginAsyncTypebox = async (fastify) => {
  for (const schema of API_KEY_SCHEMAS) fastify.addSchema(schema)
  // addSchema in a child context makes Fastify build its default Ajv here: keep the strict TypeBox validator.
  fastify.setValidatorCompiler(validatorCompiler)
  const keys: service.ApiKeysContext = { db: fastify.db, keys: fastify.apiKeyAdmission.keys }

  fastify.post('/', {
    schema: {
      tags,
      operationId: 'createApiKey',
      summary: 'Create an API key for yourself',
      description: 'Returns the key once (only its SHA-256 is stored). Scopes beyond your role are refused (403 API_KEY_SCOPE_NOT_GRANTABLE); ' +
        'expires_at defaults to 90 days and is at most 1 year away. Send the key as `Authorization: Bearer gsk_...`. Takes a user access token, not an API key.',
      body: CreateApiKeyBody,
      response: { 201: documented(ApiKeyWithSecret, { description: 'The created key, with its secret', headers: apiKeyHeaders.created }), ...problemResponses(API_KEY_PROBLEMS.API_KEY_SCOPE_NOT_GRANTABLE, API_KEY_PROBLEMS.API_KEY_EXPIRY_INVALID) },
      security
    }
  }, async (request, reply) => {
    const created = await service.createKey(keys, request.user, request.body, auditContext(request))
    request.log.warn({ event: 'api_key_created', api_key_id: created.row.id, by: request.user.id }, 'API key created')
    setEtag(reply, created.row)
    return reply.code(201).header('location', `${fastify.prefix}/${created.row.id}`).send(presentKeyWithSecret(created))
  })

  fastify.get('/', {
    schema: {
      tags,
      operationId: 'listApiKeys',
      summary: 'List API keys (yours; admins: everyone\'s)',
      description: 'Cursor-paginated, oldest first (keyset on created_at, id). Revoked keys are not listed; rolled and expired ones are, until revoked. ' +
        'Admins filter with ?user_id=; anyone else may name only their own id there (another user\'s -> 403 FORBIDDEN). Secrets are never included.',
      querystring: ListApiKeysQuery,
      response: { 200: documented(ApiKeyPage, { description: 'One page of keys', headers: apiKeyHeaders.page }), ...problemResponses(HTTP_PROBLEMS.FORBIDDEN) },
      security
    }
  }, async (request, reply) => {
    const { data, nextCursor } = await service.listKeyPage(keys, request.user, request.query)
    setNextLink(request, reply, nextCursor)
    return { data, next_cursor: nextCursor }
  })

  fastify.get('/:id', {
    schema: {
      tags,
      operationId: 'getApiKey',
      summary: 'Get an API key',
      description: 'Yours (admins: any). The secret is not included. Sends an ETag; honours If-None-Match (304 without a body while the key is unchanged; a use that moves last_used_at changes it).',
      params: IdParams,
      headers: IfNoneMatchHeaders,
      response: { 200: documented(ApiKey, { description: 'The key', headers: apiKeyHeaders.one }), 304: NotModified, ...problemResponses(API_KEY_PROBLEMS.API_KEY_NOT_FOUND) },
      security
    }
  }, async (request, reply) => {
    const row = await service.getKey(keys, request.user, request.params.id)
    if (notModified(request, reply, row)) return await sendNotModified(reply)
    return presentKey(row)
  })

  fastify.delete('/:id', {
    schema: {
      tags,
      operationId: 'revokeApiKey',
      summary: 'Revoke an API key',
      description: 'The key stops working at once on this instance and within 1 s on every other; it is no longer shown. Honours If-Match.',
      params: IdParams,
      headers: PreconditionHeaders,
      response: { 204: NoContent, ...problemResponses(API_KEY_PROBLEMS.API_KEY_NOT_FOUND) },
      security
    }
  }, async (request, reply) => {
    await service.revokeKey(keys, request.user, request.params.id, preconditions(request), auditContext(request))
    request.log.warn({ event: 'api_key_revoked', api_key_id: request.params.id, by: request.user.id }, 'API key revoked')
    return reply.code(204).send(null)
  })

  fastify.post('/:id/roll', {
    schema: {
      tags,
      operationId: 'rollApiKey',
      summary: 'Replace an API key with a new one',
      description: 'Returns a new key (shown once, with its own ETag and Location) with the same owner, name, scopes and lifetime; the old key keeps working for expires_in_hours (0..168), then stops. ' +
        'A key rolled before is refused (409 API_KEY_ALREADY_ROLLED): roll its successor; an expired key too (409 API_KEY_EXPIRED): create a new one. ' +
        'Only its owner rolls a key (an admin rolling another user\'s -> 403 FORBIDDEN: the new secret would act as that user; revoke it instead).',
      params: IdParams,
      body: RollApiKeyBody,
      response: { 201: documented(ApiKeyWithSecret, { description: 'The new key, with its secret', headers: apiKeyHeaders.created }), ...problemResponses(HTTP_PROBLEMS.FORBIDDEN, API_KEY_PROBLEMS.API_KEY_NOT_FOUND, API_KEY_PROBLEMS.API_KEY_ALREADY_ROLLED, API_KEY_PROBLEMS.API_KEY_EXPIRED) },
      security
    }
  }, async (request, reply) => {
    const rolled = await service.rollKey(keys, request.user, request.params.id, request.body.expires_in_hours, auditContext(request))
    request.log.warn({ event: 'api_key_rolled', api_key_id: request.params.id, new_api_key_id: rolled.row.id, by: request.user.id }, 'API key rolled')
    setEtag(reply, rolled.row)
    return reply.code(201).header('location', `${fastify.prefix}/${rolled.row.id}`).send(presentKeyWithSecret(rolled))
  })
}

export default apiKeysRoutes
