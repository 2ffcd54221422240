import { context, propagation, ROOT_CONTEXT, type Context } from '@opentelemetry/api'

/** A trace context as W3C headers, as the outbox stores it; both null when nothing is traced. */
export interface TraceHeaders {
  traceparent: string | null
  tracestate: string | null
}

/** The active trace context (a no-op without tracing: both null). */
export function currentTraceHeaders (): TraceHeaders {
  const carrier: Record<string, string> = {}
  propagation.inject(context.active(), carrier)
  return { traceparent: carrier.traceparent ?? null, tracestate: carrier.tracestate ?? null }
}

/** The context that `headers` describe, to continue its trace later (e.g. a webhook delivery attempt). */
export function contextFromHeaders (headers: TraceHeaders): Context {
  const carrier: Record<string, string> = {}
  if (headers.traceparent !== null) carrier.traceparent = headers.traceparent
  if (headers.tracestate !== null) carrier.tracestate = headers.tracestate
  return propagation.extract(ROOT_CONTEXT, carrier)
}
