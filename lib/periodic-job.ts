/**
 * Runs `task` every `intervalMs`, never two at once (a run still going skips the tick). The
 * timer does not keep the process alive; `stop` clears it and waits for a run in flight.
 * Failures go to `onError`; the next tick tries again.
 */
export function runPeriodically (intervalMs: number, task: () => Promise<void>, onError: (error: unknown) => void): { stop: () => Promise<void> } {
  let running: Promise<void> | null = null
  const timer = setInterval(() => {
    if (running !== null) return
    running = task().catch(onError).finally(() => { running = null })
  }, intervalMs)
  timer.unref()
  return {
    stop: async () => {
      clearInterval(timer)
      await running
    }
  }
}
