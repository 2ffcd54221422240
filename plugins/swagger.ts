import fastifySwagger from '@fastify/swagger'
import fp from 'fastify-plugin'
import { FieldError, Problem } from '../schemas/problem.js'
import { describeCrossCuttingBehaviour } from './openapi-transform.js'
import { readPackageVersion } from './version.js'

/**
 * OpenAPI 3.1 document generated from the route schemas. Shared schemas registered
 * with addSchema become named components (Problem, FieldError, ...).
 */
export default fp(async function swaggerPlugin (fastify) {
  fastify.addSchema(FieldError)
  fastify.addSchema(Problem)

  await fastify.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'GoShop API',
        description: 'E-commerce backend: auth, catalog, customers and orders. Errors are RFC 9457 problem+json; lists are cursor-paginated; money is integer minor units.',
        version: readPackageVersion(),
        license: { name: 'UNLICENSED', identifier: 'UNLICENSED' }
      },
      servers: [{ url: '/', description: 'The server that serves this document' }],
      tags: [
        { name: 'auth', description: 'Registration, login, tokens' },
        { name: 'products', description: 'The catalog' },
        { name: 'customers', description: 'Customer profiles' },
        { name: 'orders', description: 'Orders and their status' },
        { name: 'admin', description: 'Role and runtime management (admin only)' },
        { name: 'webhooks', description: 'Signed event delivery to integrators (admin only)' },
        { name: 'operations', description: 'Health, metrics, help' }
      ],
      components: {
        securitySchemes: {
          bearerAuth: {
            type: 'http',
            scheme: 'bearer',
            bearerFormat: 'JWT',
            description: 'Access token from POST /login or POST /auth/refresh: a short-lived HS256 JWT, verified with a pinned algorithm, issuer and audience as RFC8725 recommends.'
          }
        }
      }
    },
    transformObject: describeCrossCuttingBehaviour,
    refResolver: {
      buildLocalReference: (json, _baseUri, _fragment, i) => typeof json.$id === 'string' ? json.$id : `def-${i}`
    }
  })
}, { name: 'swagger' })
