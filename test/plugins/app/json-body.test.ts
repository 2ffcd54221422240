import net from 'node:net'
import { suite } from '../../helpers/suite.js'
import { BODY_LIMIT_BYTES } from '../../../app.js'
import { MAX_JSON_DEPTH, scanJson, type JsonScan } from '../../../plugins/app/json-body.js'
import { MEMBER_SLACK, maxBodyMembers } from '../../../lib/json-members.js'
import { UpdateCustomerBody } from '../../../schemas/customers.js'
import { BatchUpsertBody } from '../../../schemas/products.js'
import { buildTestApp } from '../../helpers/app.js'
import { contractViolation } from '../../helpers/hostile.js'
import { createUser } from '../../helpers/users.js'

const JSON_TYPE = { 'content-type': 'application/json' }
const arrays = (depth: number): string => '['.repeat(depth) + ']'.repeat(depth)
const objects = (depth: number): string => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth)

export default suite(import.meta, (t) => {
  t.test('the scanner: depth counted over arrays and objects, members over objects, never inside strings', async (t) => {
    const within = (text: string, depth: number): boolean => scanJson(text, depth, Infinity) === 'ok'
    t.equal(within(arrays(MAX_JSON_DEPTH), MAX_JSON_DEPTH), true, 'at the bound')
    t.equal(scanJson(arrays(MAX_JSON_DEPTH + 1), MAX_JSON_DEPTH, Infinity), 'too-deep', 'one past it')
    t.equal(within(objects(MAX_JSON_DEPTH + 1), MAX_JSON_DEPTH), false)
    t.equal(within('[{"a":[{"b":[]}]}]', 5), true)
    t.equal(within('[{"a":[{"b":[[]]}]}]', 5), false, 'mixed arrays and objects count alike')
    t.equal(within('"[[[["', 1), true, 'brackets inside a string')
    t.equal(within(JSON.stringify({ s: '{'.repeat(1000) }), 1), true)
    t.equal(within(JSON.stringify({ s: 'say \\"[[[[\\" "' }), 1), true, 'escaped quotes do not end the string')
    t.equal(within(`["\\\\", ${arrays(3)}]`, 3), false, 'an escaped backslash does end the string')
    t.equal(within('[' + ']'.repeat(10) + '[[[', 3), true)
    t.equal(within('[' + ']'.repeat(10) + '[[[[', 3), false, 'stray closers do not buy extra depth')
    t.equal(within('', 0), true)

    t.equal(scanJson('{"a":1,"b":{"c":2}}', 5, 3), 'ok', 'three members, nested ones included')
    t.equal(scanJson('{"a":1,"b":{"c":2}}', 5, 2), 'too-many-members')
    t.equal(scanJson(JSON.stringify({ s: 'a:b:c:d:e' }), 5, 1), 'ok', 'colons inside strings are text')
    t.equal(scanJson(JSON.stringify({ 'k:1': 1 }), 5, 1), 'ok', 'and inside keys')

    const escaped = (body: string): JsonScan => scanJson(body, 5, 5)
    t.equal(escaped('{"p":"\\ud83d\\ude00 \\u00e9 \\n"}'), 'ok', 'a surrogate pair, other escapes')
    t.equal(escaped('{"p":"\\uD83D\\uDE00"}'), 'ok', 'in upper case too')
    for (const lone of ['"\\ud800"', '"a\\ud800b"', '"\\udfff"', '"\\ud800\\u0041"', '"\\ud800\\n"', '"\\ude00\\ud83d"', '{"\\ud800":1}']) {
      t.equal(escaped(lone), 'lone-surrogate', `${lone}: half a pair`)
    }
    t.equal(escaped('"\\\\ud800"'), 'ok', 'an escaped backslash before "ud800" is text')
  })

  t.test('the member bound follows the schema: declared properties, maxItems times an item, slack for mistakes', async (t) => {
    const patch = maxBodyMembers(UpdateCustomerBody)
    t.ok(patch - MEMBER_SLACK <= 8, `a customer patch holds at most ${patch - MEMBER_SLACK} members`)
    t.equal(maxBodyMembers(BatchUpsertBody), 2 + 1000 * 16 + MEMBER_SLACK, 'a batch: mode, items, and 1000 items of up to 16 members each')
    t.equal(maxBodyMembers(UpdateCustomerBody), patch, 'the same bound on every call (cached per schema)')
  })

  t.test('bodies: at the bound parsed and judged on content; past it 400 BODY_TOO_DEEP', async (t) => {
    const app = await buildTestApp(t)
    const admin = await createUser(app, 'admin')
    const post = async (payload: string) => await app.inject({ method: 'POST', url: '/api/products', headers: { ...JSON_TYPE, ...admin.headers }, payload })

    // The batch takes the most object members (lib/json-members.ts), so 65 nested objects are judged on their depth.
    const postBatch = async (payload: string) => await app.inject({ method: 'POST', url: '/api/products/batch', headers: { ...JSON_TYPE, ...admin.headers }, payload })
    for (const [shape, body] of [['arrays', arrays(MAX_JSON_DEPTH + 1)], ['objects', objects(MAX_JSON_DEPTH + 1)]]) {
      const res = await postBatch(body ?? '')
      t.equal(res.statusCode, 400, `${shape}: 400`)
      t.equal(contractViolation(res), null)
      t.match(res.json(), { code: 'BODY_TOO_DEEP', type: '/problems/body-too-deep', detail: /deeper than 64 levels/ })
    }
    for (const body of [arrays(MAX_JSON_DEPTH), objects(MAX_JSON_DEPTH)]) {
      const res = await postBatch(body)
      t.equal(res.statusCode, 400)
      t.equal(res.json().code, 'VALIDATION_FAILED', 'at the bound the body is parsed and fails on its content')
    }

    const whole = await post('['.repeat(BODY_LIMIT_BYTES))
    t.equal(whole.statusCode, 400, '1 MiB of [ is refused')
    t.equal(whole.json().code, 'BODY_TOO_DEEP')

    const product = { sku: 'BRACKETS-1', name: '[[[[{{{{'.repeat(20), description: '"]]]]}}}}\\'.repeat(50), price_cents: 100, stock: 1 }
    const created = await post(JSON.stringify(product))
    t.equal(created.statusCode, 201, 'brackets inside strings are just text')
    t.equal(created.json().name, product.name)
    t.equal(created.json().description, product.description)

    t.equal((await post('{"sku": "X-1",')).json().code, 'MALFORMED_JSON', 'malformed JSON is still MALFORMED_JSON')
    for (const poisoned of ['{"__proto__": {"x": 1}}', '{"sku": "X-1", "constructor": {"prototype": {"x": 1}}}']) {
      const res = await post(poisoned)
      t.equal(res.statusCode, 400, 'prototype poisoning still refused')
      t.match(res.json(), { code: 'MALFORMED_JSON', detail: /__proto__ or constructor\.prototype key/ }, 'and said so, not "not valid JSON"')
    }
    t.match((await post('{"sku": "X-1",')).json().detail, /not valid JSON/, 'invalid JSON keeps its detail')
  })

  t.test('a body with more object members than any valid request is refused unparsed; a few unknown fields still get their own errors', async (t) => {
    const app = await buildTestApp(t)
    const customer = await createUser(app, 'customer')
    const url = `/api/customers/${customer.customerId ?? ''}`
    const patch = async (payload: string) => await app.inject({ method: 'PATCH', url, headers: { ...JSON_TYPE, ...customer.headers }, payload })
    const keys = (n: number): string => '{' + Array.from({ length: n }, (_, i) => `"k${i}":1`).join(',') + '}'

    const wide = await patch(keys(80_000))
    t.equal(wide.statusCode, 400, '80,000 distinct keys: 400')
    t.equal(contractViolation(wide), null)
    t.match(wide.json(), { code: 'VALIDATION_FAILED', detail: /more than \d+ object members/, errors: [{ pointer: '', in: 'body' }] })
    const bound = maxBodyMembers(UpdateCustomerBody)
    t.match((await patch(keys(bound + 1))).json().detail, /object members/, 'one past the bound')
    const few = await patch(JSON.stringify({ first_name: 'Ada', nickname: 'x', shoe_size: 42 }))
    t.equal(few.statusCode, 400)
    t.same(few.json().errors.map((error: { pointer: string }) => error.pointer).sort(), ['/nickname', '/shoe_size'], 'within the bound: parsed, each unknown field named')
    const unchanged = await app.inject({ method: 'GET', url, headers: customer.headers })
    t.equal(unchanged.json().first_name, 'Test', 'nothing written')
    t.equal((await patch(JSON.stringify({ first_name: 'Ada' }))).statusCode, 200, 'a real patch passes')
  })

  t.test('a \\u escape of half a surrogate pair is refused before it can be stored as U+FFFD (two passwords would hash alike)', async (t) => {
    const app = await buildTestApp(t)
    const register = async (password: string) => await app.inject({ method: 'POST', url: '/register', headers: JSON_TYPE, payload: `{"email":"lone@example.com","password":"${password}"}` })
    const lone = await register('Strong\\ud800Pass-99')
    t.equal(lone.statusCode, 400)
    t.equal(contractViolation(lone), null)
    t.match(lone.json(), { code: 'MALFORMED_JSON', detail: /half a UTF-16 surrogate pair/ })
    t.equal((await app.db.selectFrom('users').select('id').where('email', '=', 'lone@example.com').execute()).length, 0, 'no account')
    t.equal((await register('Strong\\ud83d\\ude00Pass-99')).statusCode, 201, 'a whole pair (an emoji) is text')
  })

  t.test('bytes that are not UTF-8 are malformed JSON, whatever the charset parameter says (they would be stored as U+FFFD)', async (t) => {
    const app = await buildTestApp(t)
    const register = async (password: Buffer, contentType = 'application/json') => await app.inject({
      method: 'POST',
      url: '/register',
      headers: { 'content-type': contentType },
      payload: Buffer.concat([Buffer.from('{"email":"bytes@example.com","password":"Zq8#wer'), password, Buffer.from('tyu"}')])
    })
    for (const [bytes, contentType] of [
      [Buffer.from([0xe9, 0xe8, 0xe0]), 'application/json; charset=iso-8859-1'],
      [Buffer.from([0xff, 0xff, 0xff]), 'application/json'],
      [Buffer.from([0xed, 0xa0, 0x80]), 'application/json'], // a UTF-16 surrogate written as UTF-8
      [Buffer.from([0xc3]), 'application/json; charset=utf-8'] // a sequence cut short
    ] as const) {
      const res = await register(bytes, contentType)
      t.equal(res.statusCode, 400, `${bytes.toString('hex')} as ${contentType}`)
      t.equal(contractViolation(res), null)
      t.match(res.json(), { code: 'MALFORMED_JSON', detail: /not UTF-8/ })
    }
    t.equal((await app.db.selectFrom('users').select('id').where('email', '=', 'bytes@example.com').execute()).length, 0, 'no account')
    t.equal((await register(Buffer.from('éèà'))).statusCode, 201, 'the same letters in UTF-8 are text')
  })

  t.test('an empty body labelled JSON: no body for an operation that takes none, malformed for one that takes one', async (t) => {
    const app = await buildTestApp(t)
    const staff = await createUser(app, 'staff')
    const headers = { ...staff.headers, ...JSON_TYPE }
    const needsBody = await app.inject({ method: 'POST', url: '/api/products', headers, payload: '' })
    t.equal(needsBody.statusCode, 400)
    t.equal(needsBody.json().code, 'MALFORMED_JSON')
    t.equal(contractViolation(needsBody), null)
    const created = await app.inject({ method: 'POST', url: '/api/products', headers, payload: { sku: 'EMPTY-1', name: 'Cup', price_cents: 100, stock: 1 } })
    t.equal(created.statusCode, 201)
    const deleted = await app.inject({ method: 'DELETE', url: `/api/products/${String(created.json().id)}`, headers, payload: '' })
    t.equal(deleted.statusCode, 204, 'DELETE with Content-Type: application/json and no body')
    const notJson = await app.inject({ method: 'DELETE', url: `/api/products/${String(created.json().id)}`, headers, payload: '{' })
    t.equal(notJson.statusCode, 400, 'a body that is there is still parsed')
  })

  t.test('rate limiting runs before the body is read: over budget, a hostile body gets 429, not 400', async (t) => {
    const app = await buildTestApp(t, { env: { RATE_LIMIT_MAX: '2' } })
    for (let i = 0; i < 2; i++) await app.inject({ method: 'GET', url: '/api/products' })
    const res = await app.inject({ method: 'POST', url: '/api/orders', headers: JSON_TYPE, payload: '['.repeat(BODY_LIMIT_BYTES) })
    t.equal(res.statusCode, 429)
    t.equal(res.json().code, 'RATE_LIMITED')
  })

  t.test('a declared Content-Length over the limit is refused with 413 before any of the body arrives', async (t) => {
    const app = await buildTestApp(t)
    const admin = await createUser(app, 'admin')
    const authorization = admin.headers.authorization
    await app.listen({ port: 0, host: '127.0.0.1' })
    const address = app.server.address()
    if (address === null || typeof address !== 'object') throw new Error('no address')
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = net.connect({ port: address.port, host: '127.0.0.1' })
      let received = ''
      socket.on('data', (chunk: Buffer) => {
        received += chunk.toString('utf8')
        if (received.includes('\r\n\r\n') && received.includes('}')) { socket.destroy(); resolve(received) }
      })
      socket.on('error', reject)
      socket.on('close', () => { resolve(received) })
      // Headers only: the 50 MiB body is never sent.
      socket.write(`POST /api/products HTTP/1.1\r\nHost: x\r\nAuthorization: ${authorization}\r\nContent-Type: application/json\r\nContent-Length: ${50 * BODY_LIMIT_BYTES}\r\n\r\n[`)
    })
    t.match(answer, /^HTTP\/1\.1 413 /)
    t.match(answer, /content-type: application\/problem\+json/i)
    t.match(answer, /"code":"PAYLOAD_TOO_LARGE"/)
  })
})
