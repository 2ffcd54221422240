import { createServer } from 'node:net'

/** A loopback TCP port that was free a moment ago (for servers started by tests and benchmarks). */
export async function freePort (): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', resolve)
  })
  const address = server.address()
  await new Promise<void>((resolve) => { server.close(() => { resolve() }) })
  if (address === null || typeof address !== 'object') throw new Error('no port')
  return address.port
}
