/** The period of the service's bounded warnings. */
export const WARN_EVERY_MS = 10_000

/**
 * For a recurring condition (an outage, overload) that must not flood the logs: the returned
 * function calls `emit` at most once per `everyMs`, telling it how many occurrences were
 * suppressed since the last line.
 */
export function boundedWarning (everyMs = WARN_EVERY_MS): (emit: (suppressed: number) => void) => void {
  let last = Number.NEGATIVE_INFINITY
  let suppressed = 0
  return (emit) => {
    const now = Date.now()
    if (now - last < everyMs) {
      suppressed++
      return
    }
    emit(suppressed)
    last = now
    suppressed = 0
  }
}
