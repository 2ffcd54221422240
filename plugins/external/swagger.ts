import fastifySwagger from '@fastify/swagger'
import fp from 'fastify-plugin'
import { componentSchemas } from '../../lib/openapi/components.js'
import { describeCrossCuttingBehaviour, referenceComponents } from '../../lib/openapi/transform.js'
import { readPackageVersion } from '../../lib/version.js'

/**
 * OpenAPI 3.1 document generated from the route schemas. Every schema with an `$id` (listed in
 * schemas/components.ts) is one component, referenced by `$ref` wherever routes use it.
 */
export default fp(async function swaggerPlugin (fastify) {
  await fastify.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'GoShop API',
        description: 'E-commerce backend: auth, catalog, customers and orders. Errors are RFC 9457 problem+json (each `type` URI explains its code at GET /problems/{slug}); lists are cursor-paginated; money is integer minor units.',
        version: readPackageVersion(),
        // The package is private (not published, no open-source licence), so no SPDX identifier applies.
        license: { name: 'Proprietary' }
      },
      servers: [{ url: fastify.config.publicUrl, description: 'This deployment (PUBLIC_URL)' }],
      tags: [
        { name: 'auth', description: 'Registration, login, tokens' },
        { name: 'products', description: 'The catalog' },
        { name: 'customers', description: 'Customer profiles' },
        { name: 'orders', description: 'Orders and their status' },
        { name: 'admin', description: 'Role and runtime management (admin only)' },
        { name: 'webhooks', description: 'Signed event delivery to integrators (admin only)' },
        { name: 'audit', description: 'The audit log: who changed what, and when (admin only)' },
        { name: 'api-keys', description: 'API keys for programs: create, list, roll, revoke (your own; admins all)' },
        { name: 'events', description: 'The events feed: the webhook outbox read by pulling (staff, admin)' },
        { name: 'operations', description: 'Health probes, the route list (/help) and the error code registry (/problems)' }
      ],
      components: {
        schemas: componentSchemas(),
        securitySchemes: {
          bearerAuth: {
            type: 'http',
            scheme: 'bearer',
            bearerFormat: 'JWT',
            description: 'Access token from POST /login or POST /auth/refresh: a short-lived HS256 JWT, verified with a pinned algorithm, issuer and audience as RFC8725 recommends. ' +
              'An operation\'s requirement lists the roles that may call it (none listed: any signed-in account).'
          },
          apiKey: {
            type: 'http',
            scheme: 'bearer',
            bearerFormat: 'gsk',
            description: 'API key from POST /api/api-keys, sent as `Authorization: Bearer gsk_...`: it acts as its owner (never beyond the owner\'s current role), limited to its scopes. ' +
              'An operation\'s requirement lists the scopes of which the key needs one (403 INSUFFICIENT_SCOPE otherwise); operations without an apiKey requirement take access tokens only.'
          }
        }
      }
    },
    transform: referenceComponents,
    transformObject: describeCrossCuttingBehaviour,
    // Schemas added with addSchema (routes/webhooks) keep their $id as component name.
    refResolver: {
      buildLocalReference: (json, _baseUri, _fragment, i) => typeof json.$id === 'string' ? json.$id : `def-${i}`
    }
  })
}, { name: 'swagger', dependencies: ['config'] })
