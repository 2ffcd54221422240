import fp from 'fastify-plugin'
import type { AppConfig } from '../../lib/config.js'

declare module 'fastify' {
  interface FastifyInstance {
    config: AppConfig
  }
}

/** Decorates the instance with the validated configuration. */
export default fp<{ config: AppConfig }>(async function configPlugin (fastify, opts) {
  fastify.decorate('config', opts.config)
  if (opts.config.jwt.ephemeralSecret) {
    fastify.log.warn('JWT_SECRET is not set: using an ephemeral secret; tokens will not survive a restart')
  }
}, { name: 'config' })
