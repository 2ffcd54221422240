const PLUGIN_META = Symbol.for('plugin-meta')

/** The name a plugin declares with fastify-plugin, else its function name. */
export function pluginName (plugin: unknown): string {
  if (typeof plugin !== 'function') return 'plugin'
  const meta: unknown = Reflect.get(plugin, PLUGIN_META)
  if (typeof meta === 'object' && meta !== null && 'name' in meta && typeof meta.name === 'string') return meta.name
  return plugin.name === '' ? 'plugin' : plugin.name
}
