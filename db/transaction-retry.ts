import { setTimeout as sleep } from 'node:timers/promises'
import { AppError } from '../lib/app-error.js'
import { defineProblems } from '../lib/problems/define.js'
import { isRetryableTransactionError } from './errors.js'

/** Sent when the retries are used up; each route whose transaction runs through `withTransactionRetry` documents it. */
export const TRANSACTION_PROBLEMS = defineProblems({
  TRANSACTION_CONFLICT: { status: 503, title: 'Transaction conflict', description: 'Concurrent updates kept the change from being made; nothing was written. Retry after Retry-After seconds.' }
})

export interface RetryOptions {
  /** Extra attempts after the first one. */
  retries?: number
  /** Backoff before retry n is a random delay in [0, baseDelayMs * 2^n). */
  baseDelayMs?: number
  onRetry?: (error: unknown, attempt: number) => void
}

/**
 * Runs `work` (a whole transaction) and re-runs it when Postgres aborted it as a
 * deadlock victim or serialization failure. When the retries are used up the
 * client gets a 503 with Retry-After, never a 500.
 */
export async function withTransactionRetry<T> (work: () => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const retries = options.retries ?? 3
  const baseDelayMs = options.baseDelayMs ?? 10
  for (let attempt = 0; ; attempt++) {
    try {
      return await work()
    } catch (error) {
      if (!isRetryableTransactionError(error)) throw error
      if (attempt >= retries) {
        throw new AppError(TRANSACTION_PROBLEMS.TRANSACTION_CONFLICT, 'The change could not be made because of concurrent updates; nothing was written, retry shortly', {
          headers: { 'retry-after': '1' },
          cause: error
        })
      }
      options.onRetry?.(error, attempt + 1)
      await sleep(Math.random() * baseDelayMs * 2 ** attempt)
    }
  }
}
