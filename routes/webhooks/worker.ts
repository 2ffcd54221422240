import { SpanKind, SpanStatusCode, trace, type Span } from '@opentelemetry/api'
import type { FastifyBaseLogger } from 'fastify'
import { sql } from 'kysely'
import type { Db } from '../../db/database.js'
import type { WebhookConfig } from '../../lib/config.js'
import { contextFromHeaders } from '../../lib/tracing/context.js'
import { presentEvent } from './presenter.js'
import { sendWebhook, type SendResult } from './sender.js'
import { signatureHeaders } from './signature.js'

/** A 2xx within this long is a success (SPEC §5). */
export const DELIVERY_TIMEOUT_MS = 5000
/**
 * A claimed delivery is not due again for this long: the attempt (at most the timeout) and its
 * record fit well inside, and if the replica dies mid-attempt another one retries after it.
 */
const LEASE_SECONDS = 60
/** Attempts out at once on this replica, and of those at most this many to one endpoint. */
const MAX_IN_FLIGHT = 20
const MAX_IN_FLIGHT_PER_ENDPOINT = 5

export type AttemptOutcome = 'succeeded' | 'retry' | 'failed'

export interface WorkerHooks {
  onAttempt?: (outcome: AttemptOutcome, latencySeconds: number) => void
}

interface ClaimedDelivery {
  id: string
  endpoint_id: string
  attempts: number
  created_at: Date
  event_id: string
  type: string
  data: unknown
  event_created_at: Date
  url: string
  secret: string
  /** The trace context of the request that wrote the event; null when it was not traced. */
  traceparent: string | null
  tracestate: string | null
}

const tracer = trace.getTracer('goshop-api/webhooks')

/** Full jitter: a random delay in [0, min(maxDelay, base * 2^(attempt-1))). */
export function retryDelayMs (attempt: number, config: Pick<WebhookConfig, 'retryBaseMs' | 'retryMaxDelayMs'>, random: () => number = Math.random): number {
  const ceiling = Math.min(config.retryMaxDelayMs, config.retryBaseMs * 2 ** Math.min(attempt - 1, 40))
  return Math.floor(random() * ceiling)
}

/**
 * What a failed attempt leads to: another after the jittered delay; when that would pass the
 * retry window (`maxRetryAgeMs` from the delivery's creation), one last attempt as the window
 * closes, so a delivery is retried for the whole window (SPEC §5: up to 24 h, then failed);
 * once the window has closed, failed.
 */
export function afterFailedAttempt (attempt: number, createdAt: Date, nowMs: number, config: Pick<WebhookConfig, 'retryBaseMs' | 'retryMaxDelayMs' | 'maxRetryAgeMs'>, random: () => number = Math.random): { kind: 'retry' | 'failed', delayMs: number } {
  const closesIn = createdAt.getTime() + config.maxRetryAgeMs - nowMs
  if (closesIn <= 0) return { kind: 'failed', delayMs: 0 }
  return { kind: 'retry', delayMs: Math.min(retryDelayMs(attempt, config, random), closesIn) }
}

/** The Standard Webhooks payload: `{id, type, created_at, data}`, the same bytes on every attempt. */
export function payloadOf (event: { event_id: string, type: string, event_created_at: Date, data: unknown }): string {
  return JSON.stringify(presentEvent({ id: event.event_id, type: event.type, created_at: event.event_created_at, data: event.data }))
}

/**
 * Delivers the outbox. Due deliveries are claimed in short statements (`FOR UPDATE SKIP LOCKED`,
 * attempts + 1, next_attempt_at pushed past a lease), so every attempt belongs to exactly one
 * replica; each is sent outside any transaction and its outcome recorded. Order creation never
 * waits for any of this.
 *
 * Attempts run side by side, up to MAX_IN_FLIGHT, and a slot freed is claimed again at once
 * while more is due: a receiver that hangs until the timeout holds its own attempts, not a
 * round of everyone's. A claim takes the earliest due delivery of each endpoint that has fewer
 * than MAX_IN_FLIGHT_PER_ENDPOINT out, so one endpoint's backlog never fills every slot.
 */
export class DeliveryWorker {
  readonly #db: Db
  readonly #log: FastifyBaseLogger
  readonly #config: WebhookConfig
  readonly #hooks: WorkerHooks
  readonly #userAgent: string
  #timer: NodeJS.Timeout | null = null
  #filling: Promise<void> | null = null
  readonly #inFlight = new Set<Promise<void>>()
  readonly #perEndpoint = new Map<string, number>()
  /** The last claim found more than it could take: a freed slot claims again at once. */
  #backlog = false
  #stopped = true

  constructor (options: { db: Db, log: FastifyBaseLogger, config: WebhookConfig, hooks?: WorkerHooks, userAgent: string }) {
    this.#db = options.db
    this.#log = options.log
    this.#config = options.config
    this.#hooks = options.hooks ?? {}
    this.#userAgent = options.userAgent
  }

  start (): void {
    this.#stopped = false
    this.#schedule(0)
  }

  /** Claims nothing more and waits for the attempts out to be recorded. */
  async stop (): Promise<void> {
    this.#stopped = true
    if (this.#timer !== null) clearTimeout(this.#timer)
    this.#timer = null
    await this.#filling
    await Promise.all(this.#inFlight)
  }

  #schedule (delayMs: number): void {
    if (this.#stopped) return
    this.#timer = setTimeout(() => {
      this.#timer = null
      this.#refill()
      this.#schedule(this.#config.pollIntervalMs)
    }, delayMs)
    this.#timer.unref()
  }

  /** Claims into the free slots, unless a claim is already under way. */
  #refill (): void {
    if (this.#filling !== null || this.#stopped) return
    this.#filling = this.#fill()
      .catch((error: unknown) => { this.#log.warn({ err: error }, 'webhook delivery round failed') })
      .finally(() => { this.#filling = null })
  }

  async #fill (): Promise<void> {
    for (;;) {
      const free = MAX_IN_FLIGHT - this.#inFlight.size
      if (this.#stopped || free <= 0) return
      const busy = [...this.#perEndpoint].filter(([, count]) => count >= MAX_IN_FLIGHT_PER_ENDPOINT).map(([id]) => id)
      const claimed = await this.#claim(free, busy)
      for (const delivery of claimed) this.#launch(delivery)
      // A claim takes one per endpoint, and none of a busy one: more may be due for either.
      this.#backlog = claimed.length > 0 || busy.length > 0
      if (claimed.length === 0) return
    }
  }

  #launch (delivery: ClaimedDelivery): void {
    this.#perEndpoint.set(delivery.endpoint_id, (this.#perEndpoint.get(delivery.endpoint_id) ?? 0) + 1)
    const attempt: Promise<void> = this.#attempt(delivery)
      .catch((error: unknown) => { this.#log.warn({ err: error, delivery_id: delivery.id }, 'webhook delivery attempt failed') })
      .finally(() => {
        this.#inFlight.delete(attempt)
        const left = (this.#perEndpoint.get(delivery.endpoint_id) ?? 1) - 1
        if (left > 0) this.#perEndpoint.set(delivery.endpoint_id, left)
        else this.#perEndpoint.delete(delivery.endpoint_id)
        if (this.#backlog) this.#refill()
      })
    this.#inFlight.add(attempt)
  }

  /**
   * Up to `limit` due deliveries, the earliest of each enabled endpoint not in `busy` (so one
   * endpoint's backlog takes one slot a claim); one another replica holds is skipped, not waited for.
   */
  async #claim (limit: number, busy: readonly string[]): Promise<ClaimedDelivery[]> {
    return await this.#db
      .with('claimed', (db) => db.updateTable('webhook_deliveries')
        .set((eb) => ({
          attempts: eb('attempts', '+', 1),
          next_attempt_at: sql<Date>`now() + make_interval(secs => ${LEASE_SECONDS})`,
          updated_at: sql<Date>`now()`
        }))
        .where('id', 'in', (eb) => {
          // Per endpoint, its earliest due delivery no other replica holds (migration 0010's index).
          let earliest = eb.selectFrom('webhook_endpoints as target')
            .innerJoinLateral((lateral) => lateral.selectFrom('webhook_deliveries as due')
              .select(['due.id', 'due.next_attempt_at'])
              .whereRef('due.endpoint_id', '=', 'target.id')
              .where('due.status', '=', 'pending')
              .where('due.next_attempt_at', '<=', sql<Date>`now()`)
              .orderBy('due.next_attempt_at')
              .limit(1)
              .forUpdate()
              .skipLocked()
              .as('earliest'), (join) => join.onTrue())
            .select('earliest.id')
            .where('target.enabled', '=', true)
          if (busy.length > 0) earliest = earliest.where('target.id', 'not in', busy)
          return earliest.orderBy('earliest.next_attempt_at').limit(limit)
        })
        .returning(['id', 'attempts', 'created_at', 'event_id', 'endpoint_id']))
      .selectFrom('claimed')
      .innerJoin('webhook_events', 'webhook_events.id', 'claimed.event_id')
      .innerJoin('webhook_endpoints', 'webhook_endpoints.id', 'claimed.endpoint_id')
      .select([
        'claimed.id', 'claimed.endpoint_id', 'claimed.attempts', 'claimed.created_at', 'claimed.event_id',
        'webhook_events.type', 'webhook_events.data', 'webhook_events.created_at as event_created_at',
        'webhook_endpoints.url', 'webhook_endpoints.secret', 'webhook_events.traceparent', 'webhook_events.tracestate'
      ])
      .execute()
  }

  /**
   * An event written by a traced request: the attempt is a span in that request's trace (a child
   * of its server span), and the attempt's own queries are children of it. Untraced: no span.
   */
  async #attempt (delivery: ClaimedDelivery): Promise<void> {
    if (delivery.traceparent === null) { await this.#deliver(delivery, null); return }
    await tracer.startActiveSpan(`webhook ${delivery.type}`, {
      kind: SpanKind.CLIENT,
      attributes: {
        'http.request.method': 'POST',
        'webhook.event_id': delivery.event_id,
        'webhook.event_type': delivery.type,
        'webhook.delivery_id': delivery.id,
        'webhook.attempt': delivery.attempts
      }
    }, contextFromHeaders(delivery), async (span) => {
      try {
        await this.#deliver(delivery, span)
      } finally {
        span.end()
      }
    })
  }

  async #deliver (delivery: ClaimedDelivery, span: Span | null): Promise<void> {
    const body = payloadOf(delivery)
    const headers = signatureHeaders(delivery.secret, delivery.event_id, Math.floor(Date.now() / 1000), body)
    const result = await sendWebhook(delivery.url, headers, body, {
      timeoutMs: DELIVERY_TIMEOUT_MS,
      allowPrivateTargets: this.#config.allowPrivateTargets,
      userAgent: this.#userAgent
    })
    const outcome = this.#outcome(delivery, result)
    if (span !== null) {
      if (result.status !== null) span.setAttribute('http.response.status_code', result.status)
      span.setAttribute('webhook.outcome', outcome.kind)
      if (!result.ok) span.setStatus({ code: SpanStatusCode.ERROR, message: result.error ?? 'failed' })
    }
    const traced = span !== null ? { trace_id: span.spanContext().traceId } : {}
    try {
      await this.#record(delivery, result, outcome)
    } catch (error) {
      // The lease runs out and another round makes the next attempt: at least once, never lost.
      this.#log.warn({ err: error, delivery_id: delivery.id, ...traced }, 'recording a webhook attempt failed')
      return
    }
    this.#hooks.onAttempt?.(outcome.kind, result.latencyMs / 1000)
    if (outcome.kind !== 'succeeded') {
      this.#log.info({ delivery_id: delivery.id, event_id: delivery.event_id, attempt: delivery.attempts, outcome: outcome.kind, status: result.status, error: result.error, ...traced }, 'webhook attempt failed')
    }
  }

  #outcome (delivery: ClaimedDelivery, result: SendResult): { kind: AttemptOutcome, delayMs: number } {
    if (result.ok) return { kind: 'succeeded', delayMs: 0 }
    // Waiting cannot make a refused target deliverable: no retries for the rest of the window.
    if (result.permanent) return { kind: 'failed', delayMs: 0 }
    return afterFailedAttempt(delivery.attempts, delivery.created_at, Date.now(), this.#config)
  }

  async #record (delivery: ClaimedDelivery, result: SendResult, outcome: { kind: AttemptOutcome, delayMs: number }): Promise<void> {
    await this.#db.transaction().execute(async (trx) => {
      await trx.insertInto('webhook_attempts').values({
        delivery_id: delivery.id,
        attempt: delivery.attempts,
        outcome: result.ok ? 'succeeded' : 'failed',
        response_status: result.status,
        latency_ms: result.latencyMs,
        error: result.error
      }).execute()
      // Only while this attempt is still the latest claim (a manual retry may have started another).
      await trx.updateTable('webhook_deliveries')
        .set({
          status: outcome.kind === 'retry' ? 'pending' : outcome.kind,
          next_attempt_at: sql<Date>`now() + make_interval(secs => ${outcome.delayMs / 1000})`,
          last_response_status: result.status,
          last_latency_ms: result.latencyMs,
          last_error: result.error,
          updated_at: sql<Date>`now()`
        })
        .where('id', '=', delivery.id)
        .where('attempts', '=', delivery.attempts)
        .execute()
    })
  }
}
