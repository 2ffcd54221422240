import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import Fastify, { type FastifyInstance } from 'fastify'
import type { DestinationStream } from 'pino'
import acceptPlugin from './plugins/app/accept.js'
import authPlugin from './plugins/app/auth.js'
import clientErrorPlugin, { clientErrorHandler } from './plugins/app/client-error.js'
import type { AppConfig } from './lib/config.js'
import configPlugin from './plugins/app/config.js'
import dbPlugin from './plugins/external/db.js'
import deprecationPlugin from './plugins/app/deprecation.js'
import errorsPlugin from './plugins/app/errors.js'
import jsonBodyPlugin from './plugins/app/json-body.js'
import lifecyclePlugin from './plugins/app/lifecycle.js'
import { loggerOptions } from './lib/logger.js'
import metricsPlugin from './plugins/external/metrics.js'
import notFoundPlugin, { frameworkError } from './plugins/app/not-found.js'
import otelPlugin, { TracedLogController, traceRefusedRequest } from './plugins/external/otel.js'
import rateLimitPlugin from './plugins/external/rate-limit.js'
import redisPlugin from './plugins/external/redis.js'
import requestIdPlugin, { genReqId } from './plugins/app/request-id.js'
import routeTablePlugin from './plugins/app/route-table.js'
import securityPlugin from './plugins/external/security.js'
import { pluginName } from './lib/plugin-name.js'
import swaggerUiPlugin from './plugins/external/swagger-ui.js'
import swaggerPlugin from './plugins/external/swagger.js'
import underPressurePlugin from './plugins/external/under-pressure.js'
import type { Tracing } from './lib/tracing/provider.js'
import type { DatabaseHandle } from './db/connect.js'
import { validatorCompiler } from './lib/validator-compiler.js'
import background from './background.js'
import compressPlugin from './plugins/external/compress.js'
import apiRoutes from './routes/api.js'
import authRoutes from './routes/auth/index.js'
import healthRoutes from './routes/health/index.js'
import helpRoutes from './routes/help/index.js'
import problemsRoutes from './routes/problems/index.js'

export const BODY_LIMIT_BYTES = 1024 * 1024
/**
 * How often Node looks for connections past HEADERS_TIMEOUT_MS / REQUEST_TIMEOUT_MS (its default,
 * 30 s, would let a stalled body live up to 30 s past its deadline). One pass walks the open
 * connections' list: cheap at this rate.
 */
export const TIMEOUT_CHECK_INTERVAL_MS = 250

export interface BuildAppOptions {
  config: AppConfig
  /** Where pino writes (tests capture logs); stdout by default. */
  logStream?: DestinationStream
  /** Told the name of each plugin as its loading starts (server.ts names the step that hung). */
  onStep?: (step: string) => void
  /** Tracing, when on (lib/tracing/provider.ts startTracing); off, no span is made and nothing is registered. */
  tracing?: Tracing | null
  /**
   * A database the caller opened and will close: the app uses it instead of connecting to
   * config.database, and leaves it open when it closes (the tests reuse one embedded PGlite,
   * emptied in between, across the apps of a process: test/helpers/embedded-databases.ts).
   */
  database?: DatabaseHandle
}

/** Builds the whole service from its plugins; server.ts listens, tests inject. */
export async function buildApp ({ config, logStream, onStep, tracing, database }: BuildAppOptions): Promise<FastifyInstance> {
  // Registrations below are awaited one by one, so a plugin starts loading when it is registered.
  const step = <P>(plugin: P): P => { onStep?.(pluginName(plugin)); return plugin }
  // Tracing off, Fastify's own log controller: nothing is added to a request's logging.
  const traced = tracing != null ? { tracing, logController: new TracedLogController() } : null
  const app = Fastify({
    logger: loggerOptions(config, logStream),
    ...(traced !== null ? { logController: traced.logController } : {}),
    genReqId,
    requestIdHeader: false,
    bodyLimit: BODY_LIMIT_BYTES,
    // Fastify's default (10 s per plugin) fails a boot only for being slow (PGlite start,
    // migrations on a busy machine); the whole boot has one deadline instead.
    pluginTimeout: config.startupTimeoutMs,
    trustProxy: config.trustProxy,
    return503OnClosing: true,
    // A slow or stalled request is answered 408 (clientErrorHandler) and its socket closed.
    requestTimeout: config.httpTimeouts.requestMs,
    keepAliveTimeout: config.httpTimeouts.keepAliveMs,
    http: {
      headersTimeout: config.httpTimeouts.headersMs,
      requestTimeout: config.httpTimeouts.requestMs,
      connectionsCheckingInterval: TIMEOUT_CHECK_INTERVAL_MS,
      // Node would answer an HTTP/1.1 request without Host with a bare 400; the client-error plugin answers it.
      requireHostHeader: false
    },
    frameworkErrors: traced === null
      ? frameworkError
      : (error, request, reply) => {
          traceRefusedRequest(traced.tracing, request, reply)
          traced.logController.logIncoming(request, reply)
          frameworkError(error, request, reply)
        },
    clientErrorHandler,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 200 }
  }).withTypeProvider<TypeBoxTypeProvider>()
  app.setValidatorCompiler(validatorCompiler)
  // JSON only: any other body type is a 415, not a string that fails validation.
  app.removeContentTypeParser('text/plain')

  // Infrastructure, in dependency order.
  await app.register(step(configPlugin), { config })
  // Before every other hook, so they all run in the request's trace context.
  if (traced !== null) await app.register(step(otelPlugin), traced)
  // First among the hooks: every answer, refusals in later hooks included (a CORS preflight, load
  // shedding), carries the request id and the security headers.
  await app.register(step(requestIdPlugin))
  await app.register(step(securityPlugin))
  await app.register(step(lifecyclePlugin))
  await app.register(step(underPressurePlugin))
  await app.register(step(routeTablePlugin))
  await app.register(step(deprecationPlugin))
  await app.register(step(errorsPlugin))
  await app.register(step(jsonBodyPlugin))
  await app.register(step(acceptPlugin))
  await app.register(step(clientErrorPlugin))
  await app.register(step(compressPlugin))
  await app.register(step(dbPlugin), database !== undefined ? { database } : {})
  await app.register(step(metricsPlugin))
  await app.register(step(redisPlugin))
  await app.register(step(rateLimitPlugin))
  await app.register(step(notFoundPlugin))
  await app.register(step(swaggerPlugin))
  await app.register(step(authPlugin))

  // Routes.
  await app.register(step(healthRoutes))
  await app.register(step(helpRoutes))
  await app.register(step(problemsRoutes))
  await app.register(step(authRoutes))
  await app.register(step(apiRoutes), { prefix: '/api' })
  await app.register(step(swaggerUiPlugin))

  // Start-up tasks and background jobs.
  await app.register(step(background))

  return app
}
