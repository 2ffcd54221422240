import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { IdParams, PreconditionHeaders, IfNoneMatchHeaders, NoContent, NotModified, problemResponses } from '../../schemas/common.js'
import {
  CreatedCustomerResponse, CustomerPageResponse, CustomerResponse, ListCustomersQuery,
  UpdateCustomerBody, WriteCustomerRequest
} from '../../schemas/customers.js'
import { preconditions, notModified, sendNotModified, setEtag } from '../../lib/http/etag.js'
import { setNextLink } from '../../lib/http/pagination.js'
import { normalizeEmail } from '../../lib/http/normalize-email.js'
import { presentCustomer } from './presenter.js'
import * as service from './service.js'
import { STAFF_ONLY } from '../../plugins/app/auth.js'
import { auditContext } from '../audit/context.js'
import { HTTP_PROBLEMS } from '../../lib/problems/http.js'
import { CUSTOMER_PROBLEMS } from './problems.js'

const tags = ['customers']
const security = [{ bearerAuth: [] }]

/**
 * Customer profiles: staff and admin manage all of them; a customer reads and edits
 * only its own (anyone else's answers 404), and may neither create nor delete.
 */
const customersRoutes: FastifyPluginAsyncTypebox = async (fastify) => {
  const location = (id: string): string => `${fastify.prefix}/${id}`

  fastify.get('/', {
    config: { scopes: ['customers:read'] },
    schema: {
      tags,
      operationId: 'listCustomers',
      summary: 'List customers',
      description: 'Keyset-paginated by creation time, filterable by name or email. A customer-role caller gets only its own profile.',
      querystring: ListCustomersQuery,
      response: { 200: CustomerPageResponse },
      security
    }
  }, async (request, reply) => {
    const { rows, nextCursor } = await service.listCustomerPage(fastify.db, request.user, request.query)
    setNextLink(request, reply, nextCursor)
    return { data: rows.map(presentCustomer), next_cursor: nextCursor }
  })

  fastify.get('/:id', {
    config: { scopes: ['customers:read'] },
    schema: {
      tags,
      operationId: 'getCustomer',
      summary: 'Get a customer',
      description: 'A customer-role caller may only read its own profile (anyone else\'s answers 404). Sends an ETag; honours If-None-Match (304 without a body while unchanged).',
      params: IdParams,
      headers: IfNoneMatchHeaders,
      response: { 200: CustomerResponse, 304: NotModified, ...problemResponses(CUSTOMER_PROBLEMS.CUSTOMER_NOT_FOUND) },
      security
    }
  }, async (request, reply) => {
    const row = await service.getCustomer(fastify.db, request.params.id, request.user)
    if (notModified(request, reply, row)) return await sendNotModified(reply)
    return presentCustomer(row)
  })

  fastify.post('/', {
    preValidation: normalizeEmail,
    config: { access: STAFF_ONLY, scopes: ['customers:write'] },
    schema: {
      tags,
      operationId: 'createCustomer',
      summary: 'Create a customer (staff, admin)',
      description: 'Creates a profile not linked to any user account. Customers already have theirs (403).',
      body: WriteCustomerRequest,
      response: { 201: CreatedCustomerResponse, ...problemResponses(CUSTOMER_PROBLEMS.CUSTOMER_EMAIL_TAKEN) },
      security
    }
  }, async (request, reply) => {
    const row = await service.createCustomer(fastify.db, request.body, auditContext(request))
    setEtag(reply, row)
    reply.code(201).header('location', location(row.id))
    return presentCustomer(row)
  })

  fastify.put('/:id', {
    config: { scopes: ['customers:write'] },
    preValidation: normalizeEmail,
    schema: {
      tags,
      operationId: 'replaceCustomer',
      summary: 'Replace a customer',
      description: 'Full replace; staff/admin any profile, a customer its own, keeping its email (another -> 403 FORBIDDEN: the sign-up address, only staff change it). user_id cannot be changed. Honours If-Match.',
      params: IdParams,
      headers: PreconditionHeaders,
      body: WriteCustomerRequest,
      response: { 200: CustomerResponse, ...problemResponses(HTTP_PROBLEMS.FORBIDDEN, CUSTOMER_PROBLEMS.CUSTOMER_NOT_FOUND, CUSTOMER_PROBLEMS.CUSTOMER_EMAIL_TAKEN) },
      security
    }
  }, async (request, reply) => {
    const row = await service.changeCustomer(
      fastify.db, request.params.id, request.user, service.replacementOf(request.body),
      preconditions(request), auditContext(request)
    )
    setEtag(reply, row)
    return presentCustomer(row)
  })

  fastify.patch('/:id', {
    config: { scopes: ['customers:write'] },
    preValidation: normalizeEmail,
    schema: {
      tags,
      operationId: 'updateCustomer',
      summary: 'Update some fields of a customer',
      description: 'Partial update (at least one field); staff/admin any profile, a customer its own, except its email (-> 403 FORBIDDEN: the sign-up address, only staff change it). Honours If-Match.',
      params: IdParams,
      headers: PreconditionHeaders,
      body: UpdateCustomerBody,
      response: { 200: CustomerResponse, ...problemResponses(HTTP_PROBLEMS.FORBIDDEN, CUSTOMER_PROBLEMS.CUSTOMER_NOT_FOUND, CUSTOMER_PROBLEMS.CUSTOMER_EMAIL_TAKEN) },
      security
    }
  }, async (request, reply) => {
    const row = await service.changeCustomer(
      fastify.db, request.params.id, request.user, request.body,
      preconditions(request), auditContext(request)
    )
    setEtag(reply, row)
    return presentCustomer(row)
  })

  fastify.delete('/:id', {
    config: { access: STAFF_ONLY, scopes: ['customers:write'] },
    schema: {
      tags,
      operationId: 'deleteCustomer',
      summary: 'Delete a customer (staff, admin)',
      description: 'A customer with orders cannot be deleted (409 CUSTOMER_HAS_ORDERS), nor the one profile of a customer account (409 CUSTOMER_HAS_ACCOUNT: change the account\'s role first). Honours If-Match.',
      params: IdParams,
      headers: PreconditionHeaders,
      response: { 204: NoContent, ...problemResponses(CUSTOMER_PROBLEMS.CUSTOMER_NOT_FOUND, CUSTOMER_PROBLEMS.CUSTOMER_HAS_ORDERS, CUSTOMER_PROBLEMS.CUSTOMER_HAS_ACCOUNT) },
      security
    }
  }, async (request, reply) => {
    await service.removeCustomer(fastify.db, request.params.id, preconditions(request), auditContext(request))
    return reply.code(204).send(null)
  })
}

export default customersRoutes
