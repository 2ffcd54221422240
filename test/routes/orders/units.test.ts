import { suite } from '../../helpers/suite.js'
import { mergeLines } from '../../../routes/orders/lines.js'
import { allowedTransitions, isLegalTransition, roleMayTransition } from '../../../routes/orders/status-machine.js'

export default suite(import.meta, (t) => {
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
