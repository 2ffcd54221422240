import { TypeBoxValidatorCompiler, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import Fastify, { type FastifyInstance } from 'fastify'
import type { DestinationStream } from 'pino'
import authPlugin from './plugins/auth.js'
import configPlugin, { type AppConfig } from './plugins/config.js'
import dbPlugin from './plugins/db.js'
import errorsPlugin from './plugins/errors.js'
import lifecyclePlugin from './plugins/lifecycle.js'
import { loggerOptions } from './plugins/logger.js'
import metricsPlugin from './plugins/metrics.js'
import notFoundPlugin, { frameworkError } from './plugins/not-found.js'
import rateLimitPlugin from './plugins/rate-limit.js'
import redisPlugin from './plugins/redis.js'
import requestIdPlugin, { genReqId } from './plugins/request-id.js'
import routeTablePlugin from './plugins/route-table.js'
import securityPlugin from './plugins/security.js'
import swaggerUiPlugin from './plugins/swagger-ui.js'
import swaggerPlugin from './plugins/swagger.js'
import underPressurePlugin from './plugins/under-pressure.js'
import webhookWorkerPlugin from './plugins/webhook-worker.js'
import apiRoutes from './routes/api.js'
import authRoutes from './routes/auth/index.js'
import healthRoutes from './routes/health/index.js'
import helpRoutes from './routes/help/index.js'

export const BODY_LIMIT_BYTES = 1024 * 1024

export interface BuildAppOptions {
  config: AppConfig
  /** Where pino writes (tests capture logs); stdout by default. */
  logStream?: DestinationStream
}

/** Builds the whole service from its plugins; server.ts listens, tests inject. */
export async function buildApp ({ config, logStream }: BuildAppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: loggerOptions(config, logStream),
    genReqId,
    requestIdHeader: false,
    bodyLimit: BODY_LIMIT_BYTES,
    trustProxy: config.trustProxy,
    return503OnClosing: true,
    frameworkErrors: frameworkError,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 200 }
  }).withTypeProvider<TypeBoxTypeProvider>()
  app.setValidatorCompiler(TypeBoxValidatorCompiler)
  // JSON only: any other body type is a 415, not a string that fails validation.
  app.removeContentTypeParser('text/plain')

  // Infrastructure, in dependency order.
  await app.register(configPlugin, { config })
  await app.register(lifecyclePlugin)
  await app.register(underPressurePlugin)
  await app.register(routeTablePlugin)
  await app.register(requestIdPlugin)
  await app.register(errorsPlugin)
  await app.register(securityPlugin)
  await app.register(dbPlugin)
  await app.register(redisPlugin)
  await app.register(metricsPlugin)
  await app.register(rateLimitPlugin)
  await app.register(notFoundPlugin)
  await app.register(swaggerPlugin)
  await app.register(authPlugin)
  await app.register(webhookWorkerPlugin)

  // Routes.
  await app.register(healthRoutes)
  await app.register(helpRoutes)
  await app.register(authRoutes)
  await app.register(apiRoutes, { prefix: '/api' })
  await app.register(swaggerUiPlugin)

  return app
}
