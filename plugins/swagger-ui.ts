import fastifySwaggerUi from '@fastify/swagger-ui'
import fp from 'fastify-plugin'

/** Swagger UI at /swagger (and /swagger/index.html); the raw document at /swagger/json and /swagger/yaml. */
export default fp(async function swaggerUiPlugin (fastify) {
  await fastify.register(fastifySwaggerUi, {
    routePrefix: '/swagger',
    uiConfig: { deepLinking: true, persistAuthorization: true },
    uiHooks: {},
    staticCSP: false
  })
  fastify.get('/swagger/index.html', { schema: { hide: true }, config: { rateLimit: false } }, async (_request, reply) => {
    return await reply.redirect('/swagger', 302)
  })
}, { name: 'swagger-ui', dependencies: ['swagger'] })
