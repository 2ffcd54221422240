import type { FastifyBaseLogger } from 'fastify'

/**
 * Runs `task` every `intervalMs`, never two at once (a run still going skips the tick). A failure
 * is logged and the next tick tries again. The timer does not keep the process alive; `stop`
 * clears it and waits for a run in flight.
 */
export function everyInterval (
  intervalMs: number, log: FastifyBaseLogger, name: string, task: () => Promise<Record<string, unknown> | null>
): { stop: () => Promise<void> } {
  let running: Promise<void> | null = null
  const timer = setInterval(() => {
    if (running !== null) return
    running = task()
      .then((outcome) => { if (outcome !== null) log.info(outcome, `${name} done`) })
      .catch((error: unknown) => { log.warn({ err: error }, `${name} failed`) })
      .finally(() => { running = null })
  }, intervalMs)
  timer.unref()
  return {
    stop: async () => {
      clearInterval(timer)
      await running
    }
  }
}
