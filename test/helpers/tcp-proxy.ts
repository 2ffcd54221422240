import net from 'node:net'

export interface TcpProxy {
  /** The local port clients connect to (stable across stop/start). */
  readonly port: number
  /** Replaces host:port in a URL with the proxy's address. */
  url: (target: string) => string
  /** Takes the dependency "down": live connections are destroyed, new ones refused (ECONNREFUSED). */
  stop: () => Promise<void>
  /** Brings it back on the same port. */
  start: () => Promise<void>
  /** Holds all traffic (both directions) in the proxy: connections stay open but nothing is answered. */
  pause: () => void
  /** Delivers what was held, in order, and forwards normally again. */
  resume: () => void
  /**
   * The peer of every live connection vanishes (a host lost without a reset, a partition): what
   * they send, their close handshake included, goes nowhere and nothing comes back; connections
   * made afterwards are forwarded normally.
   */
  dropLive: () => void
  /** Live client connections (for assertions and diagnostics). */
  readonly connections: number
  /** Chunks held back while paused (> 0 once a paused client has sent something). */
  readonly heldChunks: number
  close: () => Promise<void>
}

interface Held { to: net.Socket, chunk: Buffer }

/**
 * A TCP forwarder standing between the app and Postgres/Redis, so tests can simulate an
 * outage (stop/start) or a stalled server (pause/resume) without touching the real services.
 */
export async function createTcpProxy (target: { host?: string, port: number }): Promise<TcpProxy> {
  const host = target.host ?? '127.0.0.1'
  const sockets = new Set<net.Socket>()
  const held: Held[] = []
  const dropped = new Set<net.Socket>()
  let paused = false
  let port = 0

  const forward = (from: net.Socket, to: net.Socket): void => {
    from.on('data', (chunk: Buffer) => {
      if (dropped.has(from)) return
      if (paused) held.push({ to, chunk })
      else if (!to.destroyed) to.write(chunk)
    })
    // Sockets are half-open capable so that a dropped one can leave a FIN unanswered; the others
    // close their side as a socket without allowHalfOpen does.
    from.on('end', () => { if (!dropped.has(from)) from.end() })
  }

  const onConnection = (client: net.Socket): void => {
    const upstream = net.connect({ host, port: target.port, allowHalfOpen: true })
    for (const socket of [client, upstream]) {
      sockets.add(socket)
      socket.on('error', () => { client.destroy(); upstream.destroy() })
      socket.on('close', () => {
        sockets.delete(socket)
        dropped.delete(socket)
        client.destroy()
        upstream.destroy()
      })
    }
    forward(client, upstream)
    forward(upstream, client)
  }

  let server: net.Server

  const listen = async (): Promise<void> => {
    server = net.createServer({ allowHalfOpen: true }, onConnection)
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen({ port, host: '127.0.0.1' }, () => {
        server.off('error', reject)
        const address = server.address()
        if (address !== null && typeof address === 'object') port = address.port
        resolve()
      })
    })
  }

  const stop = async (): Promise<void> => {
    const closed = new Promise<void>((resolve) => { server.close(() => { resolve() }) })
    for (const socket of sockets) socket.destroy()
    held.length = 0
    dropped.clear()
    await closed
  }

  await listen()

  return {
    get port () { return port },
    get connections () { return sockets.size / 2 },
    get heldChunks () { return held.length },
    url: (raw) => {
      const url = new URL(raw)
      url.hostname = '127.0.0.1'
      url.port = String(port)
      return url.toString()
    },
    stop,
    start: listen,
    pause: () => { paused = true },
    resume: () => {
      paused = false
      for (const { to, chunk } of held.splice(0)) if (!to.destroyed) to.write(chunk)
    },
    dropLive: () => { for (const socket of sockets) dropped.add(socket) },
    close: async () => {
      paused = false
      if (server.listening) await stop()
    }
  }
}
