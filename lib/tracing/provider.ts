import { format } from 'node:util'
import { context, diag, DiagLogLevel, propagation, trace, type DiagLogger } from '@opentelemetry/api'
import { getBooleanFromEnv, getStringFromEnv, getStringListFromEnv } from '@opentelemetry/core'
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http'
import { defaultResource, detectResources, envDetector, resourceFromAttributes } from '@opentelemetry/resources'
import { BatchSpanProcessor, ConsoleSpanExporter, SimpleSpanProcessor, type SpanExporter, type SpanProcessor } from '@opentelemetry/sdk-trace-base'
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node'
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions'
import type { FastifyBaseLogger } from 'fastify'
import { ConfigError } from '../config.js'
import { readPackageVersion } from '../version.js'
import { instrument } from './instrumentations.js'

/** Tracing while on: the registered provider; shutdown flushes the last spans and undoes everything. */
export interface Tracing {
  provider: NodeTracerProvider
  shutdown: () => Promise<void>
}

const SUPPORTED_PROTOCOL = 'http/json'

const isHttpUrl = (value: string): boolean => {
  try {
    const url = new URL(value)
    return url.protocol === 'http:' || url.protocol === 'https:'
  } catch {
    return false
  }
}

/** The samplers the Node SDK builds from OTEL_TRACES_SAMPLER; the ratio ones read OTEL_TRACES_SAMPLER_ARG. */
const SAMPLERS = ['always_on', 'always_off', 'traceidratio', 'parentbased_always_on', 'parentbased_always_off', 'parentbased_traceidratio']
const RATIO_SAMPLERS = new Set(['traceidratio', 'parentbased_traceidratio'])

/**
 * What the SDK would only warn about and replace with its default (sampling everything, or at
 * ratio 1): a sampler it does not know, or a ratio that is not a number from 0 to 1.
 */
function samplerProblems (): string[] {
  const sampler = getStringFromEnv('OTEL_TRACES_SAMPLER')
  if (sampler === undefined) return []
  if (!SAMPLERS.includes(sampler)) return [`OTEL_TRACES_SAMPLER: unknown sampler '${sampler}' (${SAMPLERS.join(', ')})`]
  const arg = getStringFromEnv('OTEL_TRACES_SAMPLER_ARG')
  if (!RATIO_SAMPLERS.has(sampler) || arg === undefined) return []
  const ratio = Number(arg)
  return Number.isFinite(ratio) && ratio >= 0 && ratio <= 1 ? [] : [`OTEL_TRACES_SAMPLER_ARG: '${arg}' is not a ratio from 0 to 1`]
}

/**
 * The exporters the standard variables ask for; none means tracing stays off. On only when
 * OTEL_TRACES_EXPORTER names an exporter, or (unset) when an OTLP endpoint is configured;
 * OTEL_SDK_DISABLED=true wins over both. The OTLP exporter reads its endpoint and headers
 * (OTEL_EXPORTER_OTLP_[TRACES_]ENDPOINT / _HEADERS / _TIMEOUT) itself.
 */
function exportersFromEnv (): SpanExporter[] {
  if (getBooleanFromEnv('OTEL_SDK_DISABLED')) return []
  const endpoint = getStringFromEnv('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT') ?? getStringFromEnv('OTEL_EXPORTER_OTLP_ENDPOINT')
  const names = getStringListFromEnv('OTEL_TRACES_EXPORTER')?.filter((name) => name !== '') ?? (endpoint !== undefined ? ['otlp'] : [])
  if (names.includes('none')) return []
  const problems: string[] = []
  const protocolVariable = getStringFromEnv('OTEL_EXPORTER_OTLP_TRACES_PROTOCOL') !== undefined ? 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL' : 'OTEL_EXPORTER_OTLP_PROTOCOL'
  const protocol = getStringFromEnv(protocolVariable) ?? SUPPORTED_PROTOCOL
  if (names.includes('otlp') && protocol !== SUPPORTED_PROTOCOL) {
    problems.push(`${protocolVariable}: '${protocol}' is not supported; traces are exported as ${SUPPORTED_PROTOCOL}`)
  }
  if (names.includes('otlp') && endpoint !== undefined && !isHttpUrl(endpoint)) {
    const variable = getStringFromEnv('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT') !== undefined ? 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT' : 'OTEL_EXPORTER_OTLP_ENDPOINT'
    problems.push(`${variable}: '${endpoint}' is not an http:// or https:// URL`)
  }
  const unknown = names.filter((name) => name !== 'otlp' && name !== 'console')
  if (unknown.length > 0) problems.push(`OTEL_TRACES_EXPORTER: unknown exporter ${unknown.join(', ')} (otlp, console or none)`)
  if (names.length > 0) problems.push(...samplerProblems())
  if (problems.length > 0) throw new ConfigError(problems)
  return names.map((name) => name === 'otlp' ? new OTLPTraceExporter() : new ConsoleSpanExporter())
}

export interface StartTracingOptions {
  /** Export to this exporter, span by span, whatever the environment says (tests). */
  exporter?: SpanExporter
  /** Where OpenTelemetry's own warnings and errors go (a failed export, an OTEL_* value it ignores); without it, nowhere. */
  log?: FastifyBaseLogger
}

/**
 * OpenTelemetry's warnings and errors as warn lines: its trouble (a collector down drops every
 * span) degrades tracing, not the requests, so it is no `error` line of the service.
 */
function diagLogger (log: FastifyBaseLogger): DiagLogger {
  const otelLog = log.child({ component: 'opentelemetry' })
  const write = (message: string, ...args: unknown[]): void => { otelLog.warn(format(message, ...args)) }
  return { error: write, warn: write, info: write, debug: write, verbose: write }
}

/**
 * Starts tracing when the standard OTEL_* variables turn it on, else returns null and changes
 * nothing (no provider, no patches: the API stays a no-op). Sampling follows
 * OTEL_TRACES_SAMPLER(_ARG) (default: parent-based, always on), the resource OTEL_SERVICE_NAME and
 * OTEL_RESOURCE_ATTRIBUTES, batching OTEL_BSP_*; context is propagated as W3C traceparent/tracestate.
 */
export function startTracing ({ exporter, log }: StartTracingOptions = {}): Tracing | null {
  // Before the exporters are made: they warn about the OTEL_* values they ignore.
  if (log !== undefined) diag.setLogger(diagLogger(log), DiagLogLevel.WARN)
  const processors: SpanProcessor[] = exporter !== undefined
    ? [new SimpleSpanProcessor(exporter)]
    : exportersFromEnv().map((each) => new BatchSpanProcessor(each))
  if (processors.length === 0) {
    diag.disable()
    return null
  }

  const resource = defaultResource()
    .merge(resourceFromAttributes({ [ATTR_SERVICE_NAME]: 'goshop-api', [ATTR_SERVICE_VERSION]: readPackageVersion() }))
    .merge(detectResources({ detectors: [envDetector] }))
  const provider = new NodeTracerProvider({ resource, spanProcessors: processors })
  provider.register()
  const instrumented = instrument(provider)
  return {
    provider,
    shutdown: async () => {
      instrumented.undo()
      await provider.shutdown()
      trace.disable()
      context.disable()
      propagation.disable()
      // Last: a failure of the final export is still logged.
      diag.disable()
    }
  }
}
