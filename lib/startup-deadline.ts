export interface StartupDeadline {
  /** Marks the step now running (a plugin being loaded, the ready hooks, listen). */
  step: (name: string) => void
  /** The step running now ('' before the first). */
  readonly current: string
  /** The boot finished in time: the deadline no longer applies. */
  done: () => void
}

/**
 * One deadline for the whole boot (STARTUP_TIMEOUT_MS). Each step of the boot reports itself;
 * if the deadline passes first, `onExpired` gets the step that was still running, so the
 * operator learns what hung instead of seeing a bare timeout.
 */
export function startupDeadline (timeoutMs: number, onExpired: (step: string, timeoutMs: number) => void): StartupDeadline {
  let current = ''
  const timer = setTimeout(() => { onExpired(current === '' ? 'start' : current, timeoutMs) }, timeoutMs)
  return {
    step: (name) => { current = name },
    get current () { return current },
    done: () => { clearTimeout(timer) }
  }
}
