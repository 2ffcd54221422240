import { scopeOf } from '../../lib/scope.js'
import { suite } from '../helpers/suite.js'

export default suite(import.meta, (t) => {
  t.test('a customer sees only its own rows; staff and admin see all', async (t) => {
    t.same(scopeOf({ id: 'u1', role: 'customer' }), { kind: 'own', userId: 'u1' })
    t.same(scopeOf({ id: 'u2', role: 'staff' }), { kind: 'all' })
    t.same(scopeOf({ id: 'u3', role: 'admin' }), { kind: 'all' })
  })
})
