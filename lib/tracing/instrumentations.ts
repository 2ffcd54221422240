import type { TracerProvider } from '@opentelemetry/api'
import type { InstrumentationBase } from '@opentelemetry/instrumentation'
import { IORedisInstrumentation } from '@opentelemetry/instrumentation-ioredis'
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg'
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici'
import { Redis } from 'ioredis'
import pg from 'pg'

/**
 * The module instances the app itself imported, by the name the instrumentations patch. The app
 * is ESM, so require-in-the-middle never sees `import pg from 'pg'`, and an import-in-the-middle
 * loader would have to be registered before the first import (a preload flag on every start
 * command, and on the test runner). Patching these instances directly works on any Node version
 * and loader, only when tracing is on, and leaves every module untouched when it is off.
 */
const MODULES: Record<string, unknown> = {
  pg,
  // pg.Pool is pg-pool's class bound to pg's Client; its parent is the class pg-pool exports.
  'pg-pool': Object.getPrototypeOf(pg.Pool),
  ioredis: Redis
}

export interface Instrumented {
  /** Removes the patches and the undici subscriptions. */
  undo: () => void
}

/** A span per Postgres query and Redis command (only inside a traced request or attempt), and per fetch. */
export function instrument (provider: TracerProvider): Instrumented {
  // enabled: false, so none of them installs require/import hooks; the patches are applied below.
  const patched: InstrumentationBase[] = [
    // Queries outside any trace (background polls, purges) make no root spans of their own.
    new PgInstrumentation({ enabled: false, requireParentSpan: true }),
    // The command name only: keys carry client addresses (rate limits) and account ids.
    new IORedisInstrumentation({ enabled: false, requireParentSpan: true, dbStatementSerializer: (command) => command })
  ]
  const undici = new UndiciInstrumentation({ enabled: false, requireParentforSpans: true })
  const undo: Array<() => void> = []
  for (const instrumentation of patched) {
    instrumentation.setTracerProvider(provider)
    for (const definition of instrumentation.getModuleDefinitions()) {
      const moduleExports = MODULES[definition.name]
      if (moduleExports === undefined || definition.patch === undefined) continue
      definition.patch(moduleExports)
      undo.push(() => { definition.unpatch?.(moduleExports) })
    }
  }
  undici.setTracerProvider(provider)
  undici.enable()
  undo.push(() => { undici.disable() })
  return { undo: () => { for (const step of undo.reverse()) step() } }
}
