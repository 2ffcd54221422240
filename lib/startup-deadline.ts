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

const PLUGIN_META = Symbol.for('plugin-meta')

/** The name a plugin declares with fastify-plugin, else its function name. */
export function pluginName (plugin: unknown): string {
  if (typeof plugin !== 'function') return 'plugin'
  const meta: unknown = Reflect.get(plugin, PLUGIN_META)
  if (typeof meta === 'object' && meta !== null && 'name' in meta && typeof meta.name === 'string') return meta.name
  return plugin.name === '' ? 'plugin' : plugin.name
}
