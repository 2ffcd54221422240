import fastifySwaggerUi from '@fastify/swagger-ui'
import fp from 'fastify-plugin'
import { portableYaml } from '../../lib/openapi/yaml.js'

/** Swagger UI at /swagger (and /swagger/index.html); the raw document at /swagger/json and /swagger/yaml. */
export default fp(async function swaggerUiPlugin (fastify) {
  let yamlDocument: string | undefined
  await fastify.register(fastifySwaggerUi, {
    routePrefix: '/swagger',
    uiConfig: { deepLinking: true, persistAuthorization: true },
    uiHooks: {
      // /swagger/yaml is written by portableYaml, not by the plugin's plain YAML.stringify.
      preHandler: async (request, reply) => {
        if (request.routeOptions.url !== '/swagger/yaml') return
        yamlDocument ??= portableYaml(fastify.swagger())
        return await reply.type('application/yaml').send(yamlDocument)
      }
    },
    staticCSP: false
  })
  fastify.get('/swagger/index.html', { schema: { hide: true }, config: { rateLimit: false } }, async (_request, reply) => {
    return await reply.redirect('/swagger', 302)
  })
}, { name: 'swagger-ui', dependencies: ['swagger'] })
