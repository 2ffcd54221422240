import { setTimeout as sleep } from 'node:timers/promises'

/**
 * Polls `probe` until it returns a value other than undefined; throws after `timeoutMs`.
 * For conditions that become true asynchronously (a reconnect, a signal being handled):
 * the test waits for the state, it does not assert on how long it took (the generous default
 * bound only keeps a broken run from hanging until tap's timeout).
 */
export async function waitFor<T> (what: string, probe: () => Promise<T | undefined>, { timeoutMs = 60_000, intervalMs = 50 } = {}): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let lastError: unknown
  while (Date.now() < deadline) {
    try {
      const value = await probe()
      if (value !== undefined) return value
    } catch (error) {
      lastError = error
    }
    await sleep(intervalMs)
  }
  throw new Error(`timed out waiting for ${what}${lastError instanceof Error ? ` (last error: ${lastError.message})` : ''}`)
}

/** Milliseconds taken by `fn`, for reporting (t.comment) only. */
export async function timed<T> (fn: () => Promise<T>): Promise<{ value: T, ms: number }> {
  const started = performance.now()
  const value = await fn()
  return { value, ms: Math.round(performance.now() - started) }
}
