import fp from 'fastify-plugin'

declare module 'fastify' {
  interface FastifyInstance {
    lifecycle: { shuttingDown: boolean }
  }
}

/** Shared shutdown flag: server.ts raises it on SIGTERM so readiness turns 503 before the listener closes. */
export default fp(async function lifecyclePlugin (fastify) {
  fastify.decorate('lifecycle', { shuttingDown: false })
  fastify.addHook('preClose', async () => { fastify.lifecycle.shuttingDown = true })
}, { name: 'lifecycle' })
