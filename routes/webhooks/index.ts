import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { documented, IdParams, PreconditionHeaders, IfNoneMatchHeaders, NoContent, NotModified, problemResponses } from '../../schemas/common.js'
import {
  CreateWebhookBody, DeliveryParams, WebhookDelivery, WebhookDeliveryPage, WebhookEndpoint, WebhookEndpointPage, WebhookEndpointWithSecret, ListDeliveriesQuery, ListWebhooksQuery, UpdateWebhookBody, WEBHOOK_SCHEMAS, webhookHeaders
} from '../../schemas/webhooks.js'
import { preconditions, notModified, sendNotModified, setEtag } from '../../lib/http/etag.js'
import { setNextLink } from '../../lib/http/pagination.js'
import { validatorCompiler } from '../../lib/validator-compiler.js'
import { presentDelivery, presentEndpoint, presentEndpointWithSecret } from './presenter.js'
import * as service from './service.js'
import { ADMIN_ONLY } from '../../plugins/app/auth.js'
import { auditContext } from '../audit/context.js'
import { WEBHOOK_PROBLEMS } from './problems.js'

const tags = ['webhooks']
const security = [{ bearerAuth: [] }]

/**
 * /api/webhooks: endpoints that receive signed events (SPEC §5). Admin only: an endpoint
 * receives every order and customer id of the shop, and its secret signs for the shop,
 * so registering one is a data-sharing decision, not catalog or order handling.
 */
const webhooksRoutes: FastifyPluginAsyncTypebox = async (fastify) => {
  for (const schema of WEBHOOK_SCHEMAS) fastify.addSchema(schema)
  // addSchema in a child context makes Fastify build its default Ajv here (coercing, stripping
  // unknown fields): keep the strict TypeBox validator of the rest of the API.
  fastify.setValidatorCompiler(validatorCompiler)
  const webhooks: service.WebhooksContext = { db: fastify.db, allowPrivateTargets: fastify.config.webhooks.allowPrivateTargets }

  fastify.post('/', {
    config: { access: ADMIN_ONLY, scopes: ['webhooks:manage'] },
    schema: {
      tags,
      operationId: 'createWebhookEndpoint',
      summary: 'Register a webhook endpoint (admin)',
      description: 'Returns the signing secret once; it is never shown again (rotate it to get a new one). ' +
        'In production the url must be https and must not point at a loopback, private, link-local or metadata address (422 WEBHOOK_URL_NOT_ALLOWED).',
      body: CreateWebhookBody,
      response: { 201: documented(WebhookEndpointWithSecret, { description: 'The created endpoint, with its secret', headers: webhookHeaders.created }), ...problemResponses(WEBHOOK_PROBLEMS.WEBHOOK_URL_NOT_ALLOWED) },
      security
    }
  }, async (request, reply) => {
    const created = await service.createWebhook(webhooks, request.body, auditContext(request))
    request.log.warn({ event: 'webhook_created', webhook_id: created.row.id, by: request.user.id }, 'webhook endpoint created')
    setEtag(reply, created.row)
    return reply.code(201).header('location', `${fastify.prefix}/${created.row.id}`).send(presentEndpointWithSecret(created))
  })

  fastify.get('/', {
    config: { access: ADMIN_ONLY, scopes: ['webhooks:manage'] },
    schema: {
      tags,
      operationId: 'listWebhookEndpoints',
      summary: 'List webhook endpoints (admin)',
      description: 'Cursor-paginated, oldest first (keyset on created_at, id). Secrets are not included.',
      querystring: ListWebhooksQuery,
      response: { 200: documented(WebhookEndpointPage, { description: 'One page of endpoints', headers: webhookHeaders.page }) },
      security
    }
  }, async (request, reply) => {
    const { rows, nextCursor } = await service.listWebhookPage(webhooks, request.query)
    setNextLink(request, reply, nextCursor)
    return { data: rows.map(presentEndpoint), next_cursor: nextCursor }
  })

  fastify.get('/:id', {
    config: { access: ADMIN_ONLY, scopes: ['webhooks:manage'] },
    schema: {
      tags,
      operationId: 'getWebhookEndpoint',
      summary: 'Get a webhook endpoint (admin)',
      description: 'Secrets are not included. Sends an ETag; honours If-None-Match (304 without a body while the endpoint is unchanged).',
      params: IdParams,
      headers: IfNoneMatchHeaders,
      response: { 200: documented(WebhookEndpoint, { description: 'The endpoint', headers: webhookHeaders.one }), 304: NotModified, ...problemResponses(WEBHOOK_PROBLEMS.WEBHOOK_NOT_FOUND) },
      security
    }
  }, async (request, reply) => {
    const row = await service.getWebhook(webhooks, request.params.id)
    if (notModified(request, reply, row)) return await sendNotModified(reply)
    return presentEndpoint(row)
  })

  fastify.patch('/:id', {
    config: { access: ADMIN_ONLY, scopes: ['webhooks:manage'] },
    schema: {
      tags,
      operationId: 'updateWebhookEndpoint',
      summary: 'Change a webhook endpoint (admin)',
      description: 'Partial update (at least one field); `enabled: false` pauses deliveries (pending ones wait, new events are not queued for it). Honours If-Match.',
      params: IdParams,
      headers: PreconditionHeaders,
      body: UpdateWebhookBody,
      response: { 200: documented(WebhookEndpoint, { description: 'The endpoint', headers: webhookHeaders.one }), ...problemResponses(WEBHOOK_PROBLEMS.WEBHOOK_NOT_FOUND, WEBHOOK_PROBLEMS.WEBHOOK_URL_NOT_ALLOWED) },
      security
    }
  }, async (request, reply) => {
    const row = await service.updateWebhook(webhooks, request.params.id, request.body, preconditions(request), auditContext(request))
    setEtag(reply, row)
    return presentEndpoint(row)
  })

  fastify.delete('/:id', {
    config: { access: ADMIN_ONLY, scopes: ['webhooks:manage'] },
    schema: {
      tags,
      operationId: 'deleteWebhookEndpoint',
      summary: 'Delete a webhook endpoint (admin)',
      description: 'Deletes the endpoint with its delivery log; pending deliveries are dropped. Honours If-Match.',
      params: IdParams,
      headers: PreconditionHeaders,
      response: { 204: NoContent, ...problemResponses(WEBHOOK_PROBLEMS.WEBHOOK_NOT_FOUND) },
      security
    }
  }, async (request, reply) => {
    await service.removeWebhook(webhooks, request.params.id, preconditions(request), auditContext(request))
    request.log.warn({ event: 'webhook_deleted', webhook_id: request.params.id, by: request.user.id }, 'webhook endpoint deleted')
    return reply.code(204).send(null)
  })

  fastify.post('/:id/rotate-secret', {
    config: { access: ADMIN_ONLY, scopes: ['webhooks:manage'] },
    schema: {
      tags,
      operationId: 'rotateWebhookEndpointSecret',
      summary: 'Replace the signing secret of a webhook endpoint (admin)',
      description: 'Returns the new secret once. Attempts from now on are signed with it only. Honours If-Match (the rotation changes the endpoint\'s ETag), so two admins rotating at once can tell.',
      params: IdParams,
      headers: PreconditionHeaders,
      response: { 200: documented(WebhookEndpointWithSecret, { description: 'The endpoint, with its new secret', headers: webhookHeaders.one }), ...problemResponses(WEBHOOK_PROBLEMS.WEBHOOK_NOT_FOUND) },
      security
    }
  }, async (request, reply) => {
    const rotated = await service.rotateWebhookSecret(webhooks, request.params.id, preconditions(request), auditContext(request))
    request.log.warn({ event: 'webhook_secret_rotated', webhook_id: rotated.row.id, by: request.user.id }, 'webhook secret rotated')
    setEtag(reply, rotated.row)
    return presentEndpointWithSecret(rotated)
  })

  fastify.get('/:id/deliveries', {
    config: { access: ADMIN_ONLY, scopes: ['webhooks:manage'] },
    schema: {
      tags,
      operationId: 'listWebhookDeliveries',
      summary: 'The delivery log of a webhook endpoint (admin)',
      description: 'One delivery per event sent to this endpoint, oldest first (keyset on created_at, id), with every attempt (status, latency, error excerpt) and the next retry of pending ones. Filter with ?status=.',
      params: IdParams,
      querystring: ListDeliveriesQuery,
      response: { 200: documented(WebhookDeliveryPage, { description: 'One page of deliveries', headers: webhookHeaders.page }), ...problemResponses(WEBHOOK_PROBLEMS.WEBHOOK_NOT_FOUND) },
      security
    }
  }, async (request, reply) => {
    const { rows, nextCursor } = await service.listDeliveryPage(webhooks, request.params.id, request.query)
    setNextLink(request, reply, nextCursor)
    return { data: rows.map(presentDelivery), next_cursor: nextCursor }
  })

  fastify.post('/:id/deliveries/:delivery_id/retry', {
    config: { access: ADMIN_ONLY, scopes: ['webhooks:manage'] },
    schema: {
      tags,
      operationId: 'retryWebhookDelivery',
      summary: 'Deliver an event again now (admin)',
      description: 'Makes the delivery due now, whatever its status (a failed one becomes pending, a succeeded one is sent again). ' +
        'While an attempt is out (sent, not yet answered) it changes nothing: the receiver never gets the event twice at once. ' +
        'Retries after a failure stay within the retry window counted from the event.',
      params: DeliveryParams,
      response: { 202: documented(WebhookDelivery, { description: 'The delivery, due now' }), ...problemResponses(WEBHOOK_PROBLEMS.WEBHOOK_NOT_FOUND, WEBHOOK_PROBLEMS.WEBHOOK_DELIVERY_NOT_FOUND) },
      security
    }
  }, async (request, reply) => {
    const delivery = await service.retryDelivery(webhooks, request.params.id, request.params.delivery_id)
    return reply.code(202).send(presentDelivery(delivery))
  })
}

export default webhooksRoutes
