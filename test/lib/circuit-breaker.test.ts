import { suite } from '../helpers/suite.js'
import { CircuitBreaker, type BreakerState } from '../../lib/circuit-breaker.js'
import { DeadlineError, withDeadline } from '../../lib/deadline.js'
import { DependencyGuard } from '../../lib/dependency-guard.js'

/** A breaker on a hand-driven clock, recording its changes of state. */
function breakerAt (failureThreshold = 3, cooldownMs = 1000): { breaker: CircuitBreaker, changes: string[], advance: (ms: number) => void } {
  let now = 0
  const changes: string[] = []
  const breaker = new CircuitBreaker({
    failureThreshold,
    cooldownMs,
    now: () => now,
    onStateChange: (to: BreakerState, from: BreakerState) => { changes.push(`${from}->${to}`) }
  })
  return { breaker, changes, advance: (ms) => { now += ms } }
}

export default suite(import.meta, (t) => {
  t.test('failures below the threshold, or broken by a success, never open it', async (t) => {
    const { breaker, changes } = breakerAt(3)
    breaker.failure()
    breaker.failure()
    breaker.success()
    breaker.failure()
    breaker.failure()
    t.equal(breaker.state, 'closed')
    t.ok(breaker.allow())
    t.same(changes, [], 'no change of state, so nothing to log')
  })

  t.test('opens after N consecutive failures and skips calls for the cool-down', async (t) => {
    const { breaker, changes, advance } = breakerAt(3, 1000)
    for (let i = 0; i < 3; i++) breaker.failure()
    t.equal(breaker.state, 'open')
    t.ok(breaker.skipping)
    t.notOk(breaker.allow(), 'skipped')
    advance(999)
    t.notOk(breaker.allow(), 'still skipped just before the cool-down ends')
    t.same(changes, ['closed->open'], 'one change, however many calls were skipped')
  })

  t.test('after the cool-down exactly one probe goes through; its failure opens it again', async (t) => {
    const { breaker, changes, advance } = breakerAt(2, 1000)
    breaker.failure()
    breaker.failure()
    advance(1000)
    t.ok(breaker.allow(), 'the probe')
    t.equal(breaker.state, 'half_open')
    t.notOk(breaker.allow(), 'no second call while the probe is out')
    breaker.failure()
    t.equal(breaker.state, 'open', 'one failed probe is enough')
    t.notOk(breaker.allow())
    advance(1000)
    t.ok(breaker.allow(), 'probed again after another cool-down')
    breaker.success()
    t.equal(breaker.state, 'closed')
    t.ok(breaker.allow())
    t.ok(breaker.allow(), 'every call goes through again')
    t.same(changes, ['closed->open', 'open->half_open', 'half_open->open', 'open->half_open', 'half_open->closed'])
  })

  t.test('a probe that never reports back is replaced after another cool-down', async (t) => {
    const { breaker, advance } = breakerAt(1, 500)
    breaker.failure()
    advance(500)
    t.ok(breaker.allow(), 'first probe (lost)')
    advance(499)
    t.notOk(breaker.allow())
    advance(1)
    t.ok(breaker.allow(), 'a new probe')
  })

  t.test('withDeadline: a late answer loses to the deadline, an early one wins', async (t) => {
    await t.rejects(withDeadline(new Promise(() => {}), 5), DeadlineError)
    t.equal(await withDeadline(Promise.resolve('answer'), 1000), 'answer')
    await t.rejects(withDeadline(Promise.reject(new Error('refused')), 1000), { message: 'refused' })
  })

  t.test('DependencyGuard: failures and skips run the fallback and are counted; success closes the breaker', async (t) => {
    const failOpen: string[] = []
    const guard = new DependencyGuard({ timeoutMs: 20, failureThreshold: 2, cooldownMs: 60_000, onFailOpen: (user) => { failOpen.push(user) } })
    let calls = 0
    const hanging = async (): Promise<string> => { calls++; return await new Promise(() => {}) }
    const failing = async (): Promise<string> => { calls++; throw new Error('down') }
    const fallback = async (): Promise<string> => 'local'
    t.equal(await guard.run('a', hanging, fallback), 'local', 'late: the fallback answers')
    t.equal(await guard.run('b', failing, fallback), 'local', 'failed: the fallback answers')
    t.equal(guard.breaker.state, 'open')
    t.equal(await guard.run('a', failing, fallback), 'local')
    t.equal(calls, 2, 'the open breaker made no call')
    t.same(failOpen, ['a', 'b', 'a'], 'every fail-open counted, with its user')

    const healthy = new DependencyGuard({ timeoutMs: 1000, failureThreshold: 1, cooldownMs: 60_000 })
    t.equal(await healthy.run('a', async () => 'shared', fallback), 'shared')
    t.equal(healthy.breaker.state, 'closed')
  })
})
