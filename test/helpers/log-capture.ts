import { Writable } from 'node:stream'

export interface CapturedLogs {
  stream: Writable
  /** Parsed pino lines written so far. */
  lines: () => Array<Record<string, unknown>>
}

/** A pino destination that keeps every line, for assertions on what the app logged. */
export function captureLogs (): CapturedLogs {
  const lines: Array<Record<string, unknown>> = []
  const stream = new Writable({
    write (chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line.trim() === '') continue
        try {
          const parsed: unknown = JSON.parse(line)
          if (typeof parsed === 'object' && parsed !== null) lines.push(Object.fromEntries(Object.entries(parsed)))
        } catch {
          // not JSON: ignore
        }
      }
      callback()
    }
  })
  return { stream, lines: () => lines }
}
