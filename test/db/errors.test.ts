import { errorCode, isDataException, isRetryableTransactionError, isTransientDatabaseError, isUniqueViolation } from '../../db/errors.js'
import { suite } from '../helpers/suite.js'

const failure = (code: string, extra: Record<string, unknown> = {}): Error => Object.assign(new Error(code), { code, ...extra })

export default suite(import.meta, (t) => {
  t.test('only errors carrying a string code have a SQLSTATE', async (t) => {
    t.equal(errorCode('40P01'), '')
    t.equal(errorCode(null), '')
    t.equal(errorCode({ code: 40001 }), '')
    t.equal(errorCode(failure('23505')), '23505')
  })

  t.test('lost races are retryable; nothing else is', async (t) => {
    t.ok(isRetryableTransactionError(failure('40P01')), 'deadlock')
    t.ok(isRetryableTransactionError(failure('40001')), 'serialization failure')
    t.notOk(isRetryableTransactionError(failure('23505')))
    t.notOk(isRetryableTransactionError('40P01'))
  })

  t.test('transient: lost races, timeouts, shutdowns and any connection exception', async (t) => {
    for (const code of ['40001', '40P01', '55P03', '57014', '57P01', '53300', '08006']) t.ok(isTransientDatabaseError(failure(code)), code)
    for (const code of ['23505', '22P02', 'ECONNREFUSED']) t.notOk(isTransientDatabaseError(failure(code)), code)
  })

  t.test('data exceptions are the client input kind only', async (t) => {
    t.ok(isDataException(failure('22P05')), 'untranslatable character')
    t.ok(isDataException(failure('22001')), 'string too long')
    t.notOk(isDataException(failure('23503')))
  })

  t.test('a unique violation counts only on the named constraints', async (t) => {
    t.ok(isUniqueViolation(failure('23505', { constraint: 'products_sku_key' }), 'products_sku_key'))
    t.notOk(isUniqueViolation(failure('23505', { constraint: 'other' }), 'products_sku_key'))
    t.notOk(isUniqueViolation(failure('23503', { constraint: 'products_sku_key' }), 'products_sku_key'))
  })
})
