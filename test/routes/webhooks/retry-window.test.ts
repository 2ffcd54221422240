import { suite } from '../../helpers/suite.js'
import { afterFailedAttempt, retryDelayMs } from '../../../routes/webhooks/worker.js'

const config = { retryBaseMs: 1000, retryMaxDelayMs: 3_600_000, maxRetryAgeMs: 24 * 3_600_000 }
const createdAt = new Date('2026-12-01T00:00:00.000Z')
const at = (ms: number): number => createdAt.getTime() + ms
const highest = (): number => 0.999999

export default suite(import.meta, (t) => {
  t.test('the window has closed: failed, whatever the delay would be', async (t) => {
    t.same(afterFailedAttempt(30, createdAt, at(config.maxRetryAgeMs), config, highest), { kind: 'failed', delayMs: 0 })
    t.same(afterFailedAttempt(30, createdAt, at(config.maxRetryAgeMs + 1), config, () => 0), { kind: 'failed', delayMs: 0 })
  })

  t.test('a delay that would pass the closing: one last attempt as the window closes', async (t) => {
    const now = at(config.maxRetryAgeMs - 10 * 60_000)
    t.ok(retryDelayMs(30, config, highest) > 10 * 60_000, 'the jittered delay would land after the closing')
    t.same(afterFailedAttempt(30, createdAt, now, config, highest), { kind: 'retry', delayMs: 10 * 60_000 })
    t.same(afterFailedAttempt(30, createdAt, at(config.maxRetryAgeMs - 1), config, highest), { kind: 'retry', delayMs: 1 })
  })

  t.test('inside the window: the jittered backoff', async (t) => {
    t.same(afterFailedAttempt(1, createdAt, at(0), config, () => 0.5), { kind: 'retry', delayMs: 500 })
    t.same(afterFailedAttempt(3, createdAt, at(60_000), config, () => 0.5), { kind: 'retry', delayMs: 2000 })
  })
})
