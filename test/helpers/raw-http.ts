import net from 'node:net'
import type { Test } from 'tap'
import { SECURITY_HEADERS } from '../../lib/security-headers.js'

export interface RawAnswer { status: number, headers: Record<string, string>, body: string }

/**
 * Writes `raw` on a new connection and reads every response until the server closes it, for
 * what no HTTP client sends: pipelined junk, a missing Host, malformed framing.
 */
export async function rawResponses (port: number, raw: string): Promise<RawAnswer[]> {
  const text = await new Promise<Buffer>((resolve, reject) => {
    const socket = net.connect({ port, host: '127.0.0.1' })
    const chunks: Buffer[] = []
    socket.on('data', (chunk: Buffer) => { chunks.push(chunk) })
    socket.on('error', (error: NodeJS.ErrnoException) => { if (error.code === 'ECONNRESET' && chunks.length > 0) resolve(Buffer.concat(chunks)); else reject(error) })
    socket.on('close', () => { resolve(Buffer.concat(chunks)) })
    socket.write(raw)
  })
  const answers: RawAnswer[] = []
  let rest = text
  while (rest.length > 0) {
    const end = rest.indexOf('\r\n\r\n')
    if (end < 0) throw new Error(`a truncated response: ${rest.toString('utf8')}`)
    const [statusLine = '', ...headerLines] = rest.subarray(0, end).toString('utf8').split('\r\n')
    const headers = Object.fromEntries(headerLines.map((line) => {
      const colon = line.indexOf(':')
      return [line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim()]
    }))
    const length = Number(headers['content-length'] ?? 0)
    answers.push({ status: Number(statusLine.split(' ')[1]), headers, body: rest.subarray(end + 4, end + 4 + length).toString('utf8') })
    rest = rest.subarray(end + 4 + length)
  }
  return answers
}

/** Asserts every helmet header, with helmet's value, on an answer of any class. */
export function hasSecurityHeaders (t: Test, headers: Record<string, string | string[] | number | undefined>, name: string): void {
  t.ok(SECURITY_HEADERS.length >= 10, `${name}: helmet sets its dozen headers`)
  for (const [header, value] of SECURITY_HEADERS) t.equal(headers[header], value, `${name}: ${header}`)
}
