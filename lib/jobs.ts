import type { FastifyBaseLogger } from 'fastify'
import type { Registry } from 'prom-client'
import type { Db } from '../db/database.js'
import type { AppConfig } from './config.js'

/** What a domain's jobs get: the pools and settings of the app, its logger and its metrics registry. */
export interface JobContext {
  db: Db
  config: AppConfig
  log: FastifyBaseLogger
  metricsRegistry: Registry
}

/** A job that keeps running until stopped (a timer, a worker). */
export interface RunningJob {
  /** Ends it and waits for the run in flight. */
  stop: () => Promise<void>
}

/**
 * Something the service does besides answering requests, declared by its domain
 * (routes/<domain>/jobs.ts) or by a shared module the domains use (lib/idempotency/jobs.ts)
 * and run by background.ts: started onReady, before the server listens, in the order declared.
 * A start-up task does its work and returns nothing; a background job returns how to stop it
 * (on close, before the pools close).
 */
export interface Job {
  name: string
  start: () => Promise<RunningJob | undefined>
}

/** A domain's jobs, made from the app's context (metrics the jobs report are registered here, once per app). */
export type DomainJobs = (ctx: JobContext) => Job[]
