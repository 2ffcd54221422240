import fp from 'fastify-plugin'

declare module 'fastify' {
  interface FastifyInstance {
    lifecycle: { shuttingDown: boolean }
  }
}

/**
 * Shared shutdown flag: server.ts raises it on SIGTERM so readiness turns 503 before the listener
 * closes. While it is up, every answer says `Connection: close`: Node closes idle keep-alive
 * connections once, when the listener closes, so a connection whose request was still running
 * then (an ingress's pooled connection) would otherwise stay open, idle, and hold the shutdown
 * until its timeout (exit 1).
 */
export default fp(async function lifecyclePlugin (fastify) {
  const lifecycle = { shuttingDown: false }
  fastify.decorate('lifecycle', lifecycle)
  fastify.addHook('preClose', async () => { lifecycle.shuttingDown = true })
  fastify.addHook('onSend', (_request, reply, payload, done) => {
    if (lifecycle.shuttingDown) reply.header('connection', 'close')
    done(null, payload)
  })
}, { name: 'lifecycle' })
