import { suite } from '../../helpers/suite.js'
import { AppError } from '../../../lib/app-error.js'
import { canonicalJson, requestHash } from '../../../routes/orders/idempotency.js'
import { mergeLines } from '../../../routes/orders/lines.js'
import { withTransactionRetry } from '../../../routes/orders/retry.js'
import { allowedTransitions, isLegalTransition, roleMayTransition } from '../../../routes/orders/status-machine.js'
import { ORDER_PROBLEMS } from '../../../routes/orders/problems.js'

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
    const business = new AppError(ORDER_PROBLEMS.INSUFFICIENT_STOCK, 'no')
    await t.rejects(withTransactionRetry(async () => { other++; throw business }), business)
    t.equal(other, 1, 'other errors are not retried')
  })

  t.test('the status machine', async (t) => {
    t.ok(isLegalTransition('pending', 'paid'))
    t.ok(isLegalTransition('pending', 'cancelled'))
    t.ok(isLegalTransition('paid', 'shipped'))
    t.ok(isLegalTransition('paid', 'cancelled'))
    t.ok(isLegalTransition('shipped', 'delivered'))
    t.notOk(isLegalTransition('shipped', 'cancelled'))
    t.notOk(isLegalTransition('pending', 'pending'))
    t.notOk(isLegalTransition('cancelled', 'pending'))
    t.notOk(isLegalTransition('delivered', 'cancelled'))
    t.ok(roleMayTransition('staff', 'paid', 'cancelled'))
    t.notOk(roleMayTransition('customer', 'paid', 'cancelled'))
    t.same(allowedTransitions('pending', 'admin'), ['paid', 'cancelled'])
    t.same(allowedTransitions('pending', 'customer'), ['cancelled'])
    t.same(allowedTransitions('paid', 'customer'), [])
    t.same(allowedTransitions('delivered', 'staff'), [])
  })

  t.test('canonical JSON and request hashes ignore key order only', async (t) => {
    t.equal(canonicalJson({ b: 1, a: [{ y: 2, x: 1 }], c: undefined }), '{"a":[{"x":1,"y":2}],"b":1}')
    t.equal(requestHash({ a: 1, b: 2 }), requestHash({ b: 2, a: 1 }))
    t.not(requestHash({ items: [1, 2] }), requestHash({ items: [2, 1] }), 'line order is part of the request')
    t.not(requestHash({ a: 1 }), requestHash({ a: '1' }))
  })

  t.test('merging lines', async (t) => {
    const a = 'aaaaaaaa-0000-4000-8000-000000000000'
    const b = 'bbbbbbbb-0000-4000-8000-000000000000'
    t.same(mergeLines([{ product_id: b, quantity: 1 }, { product_id: a, quantity: 2 }, { product_id: b.toUpperCase(), quantity: 3 }]), [
      { productId: a, quantity: 2, indexes: [1] },
      { productId: b, quantity: 4, indexes: [0, 2] }
    ])
    t.throws(() => mergeLines([{ product_id: a, quantity: 1000 }, { product_id: a, quantity: 1 }]), { statusCode: 400, code: 'VALIDATION_FAILED' })
    t.same(mergeLines([{ product_id: a, quantity: 999 }, { product_id: a, quantity: 1 }])[0]?.quantity, 1000)
  })
})
