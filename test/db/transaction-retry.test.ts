import { suite } from '../helpers/suite.js'
import { withTransactionRetry } from '../../db/transaction-retry.js'
import { AppError } from '../../lib/app-error.js'
import { HTTP_PROBLEMS } from '../../lib/problems/http.js'

const deadlock = Object.assign(new Error('deadlock detected'), { code: '40P01' })
const serialization = Object.assign(new Error('could not serialize access'), { code: '40001' })

export default suite(import.meta, (t) => {
  t.test('deadlocks and serialization failures are retried, then become a 503', async (t) => {
    let calls = 0
    const retries: number[] = []
    const value = await withTransactionRetry(async () => {
      calls++
      if (calls < 3) throw calls === 1 ? deadlock : serialization
      return 'done'
    }, { baseDelayMs: 1, onRetry: (_error, attempt) => { retries.push(attempt) } })
    t.equal(value, 'done')
    t.equal(calls, 3)
    t.same(retries, [1, 2])

    let attempts = 0
    const error = await withTransactionRetry(async () => { attempts++; throw deadlock }, { retries: 3, baseDelayMs: 1 }).catch((e: unknown) => e)
    t.equal(attempts, 4, 'the first try and 3 retries')
    t.ok(error instanceof AppError)
    if (error instanceof AppError) {
      t.equal(error.statusCode, 503)
      t.equal(error.code, 'TRANSACTION_CONFLICT')
      t.same(error.headers, { 'retry-after': '1' })
    }

    let other = 0
    const business = new AppError(HTTP_PROBLEMS.FORBIDDEN, 'no')
    await t.rejects(withTransactionRetry(async () => { other++; throw business }), business)
    t.equal(other, 1, 'other errors are not retried')
  })
})
