import fp from 'fastify-plugin'
import { publishedSecretsIn, type AppConfig } from '../../lib/config.js'

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
  const published = publishedSecretsIn(opts.config)
  if (opts.config.env === 'production' && published.length > 0) {
    fastify.log.warn({ variables: published }, `${published.join(' and ')} ${published.length > 1 ? 'are' : 'is'} published in the GoShop repository (ALLOW_DEV_SECRETS=true): anyone can sign tokens or sign in as the admin; never use this deployment for real data`)
  }
}, { name: 'config' })
