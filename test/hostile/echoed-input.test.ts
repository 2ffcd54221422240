import { suite } from '../helpers/suite.js'
import { buildTestApp } from '../helpers/app.js'
import { contractViolation } from '../helpers/hostile.js'
import { createUser } from '../helpers/users.js'
import { MAX_DETAIL_LENGTH, MAX_URL_LENGTH } from '../../schemas/bounds.js'

export default suite(import.meta, (t) => {
  t.test('input a problem echoes (path, property names) is cut to the bounds the contract declares', async (t) => {
    const app = await buildTestApp(t)
    const staff = await createUser(app, 'staff')
    const longPath = `/nope/${'a'.repeat(10_000)}`
    const notFound = await app.inject({ method: 'GET', url: longPath, headers: staff.headers })
    t.equal(contractViolation(notFound), null)
    t.equal(notFound.statusCode, 404)
    t.equal(notFound.json().instance.length, MAX_URL_LENGTH, 'instance cut to 2048')
    t.ok(notFound.json().detail.length <= MAX_DETAIL_LENGTH, 'detail within its bound')

    const payload = { sku: 'ECHO-1', name: 'Echo', price_cents: 1, stock: 1, ['p'.repeat(50_000)]: 1 }
    const invalid = await app.inject({ method: 'POST', url: '/api/products', headers: { ...staff.headers, 'content-type': 'application/json' }, payload })
    t.equal(contractViolation(invalid), null)
    t.equal(invalid.statusCode, 400)
    const body = invalid.json()
    t.ok(body.detail.length <= MAX_DETAIL_LENGTH, `detail ${body.detail.length} chars`)
    t.ok(body.errors.every((e: { pointer: string, detail: string }) => e.pointer.length <= MAX_DETAIL_LENGTH && e.detail.length <= MAX_DETAIL_LENGTH), 'field errors within their bounds')
  })
})
