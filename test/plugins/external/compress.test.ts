import zlib from 'node:zlib'
import { suite } from '../../helpers/suite.js'
import { buildTestApp } from '../../helpers/app.js'
import { declaredContract } from '../../helpers/declared.js'
import { createUser } from '../../helpers/users.js'
import { seedProducts } from '../../routes/products/fixtures/products.js'

const json = { 'content-type': 'application/json' }

export default suite(import.meta, (t) => {
  t.test('request bodies: gzip accepted, a zip bomb is a 413, corrupt or unsupported codings a 4xx problem', async (t) => {
    const app = await buildTestApp(t)
    const staff = await createUser(app, 'staff')
    const post = async (body: Buffer, encoding: string) => await app.inject({
      method: 'POST', url: '/api/products', headers: { ...staff.headers, ...json, 'content-encoding': encoding }, payload: body
    })

    // 64 MiB of spaces inside a JSON string gzip to about 64 KiB: far over the 1 MiB body limit once inflated.
    const bomb = zlib.gzipSync(Buffer.concat([Buffer.from('{"sku":"BOMB","name":"'), Buffer.alloc(64 * 1024 * 1024, 0x20), Buffer.from('"}')]))
    t.ok(bomb.length < 1024 * 1024, 'the compressed bomb is under the limit')
    const bombed = await post(bomb, 'gzip')
    t.equal(bombed.statusCode, 413, 'refused once the inflated bytes pass the limit')
    t.equal(bombed.json().code, 'PAYLOAD_TOO_LARGE')

    const gzipped = zlib.gzipSync(JSON.stringify({ sku: 'GZ-0', name: 'Cut', price_cents: 100, stock: 1 }))
    for (const [what, body] of [['not gzip', Buffer.from('certainly not gzip')], ['truncated', gzipped.subarray(0, gzipped.length - 8)]] as const) {
      const corrupt = await post(body, 'gzip')
      t.equal(corrupt.statusCode, 400, what)
      t.match(corrupt.headers['content-type'], /application\/problem\+json/)
      t.match(corrupt.json(), { code: 'BAD_REQUEST', detail: 'Could not decompress the request payload using the provided encoding' }, `${what}: our words, not zlib's`)
    }
    const brotli = await post(zlib.brotliCompressSync(Buffer.from('{}')), 'br')
    t.equal(brotli.statusCode, 415)
    t.equal(brotli.json().code, 'UNSUPPORTED_MEDIA_TYPE')
    t.equal(brotli.headers['accept-encoding'], 'gzip, deflate', 'the 415 names the codings it takes')
    const contract = declaredContract((await app.inject({ method: 'GET', url: '/swagger/json' })).json())
    t.same(contract.undeclared({ method: 'POST', pathname: '/api/products', status: 415, headers: Object.keys(brotli.headers), code: 'UNSUPPORTED_MEDIA_TYPE' }), [], 'and the document declares it')
    t.equal((await app.db.selectFrom('products').select('id').execute()).length, 0, 'nothing written')

    const created = await post(zlib.gzipSync(JSON.stringify({ sku: 'GZ-1', name: 'Gzipped', price_cents: 100, stock: 1 })), 'gzip')
    t.equal(created.statusCode, 201, 'a gzip body is decompressed and handled as JSON')
    t.equal(created.json().sku, 'GZ-1')
    for (const [i, coding] of ['GZIP', 'x-gzip', 'X-Gzip'].entries()) {
      const res = await post(zlib.gzipSync(JSON.stringify({ sku: `GZ-CASE-${i}`, name: 'Gzipped', price_cents: 100, stock: 1 })), coding)
      t.equal(res.statusCode, 201, `Content-Encoding ${coding} is gzip (case-insensitive, x-gzip its alias)`)
    }
  })

  t.test('every response with a body of a compressible type varies on Accept-Encoding, compressed or not, whatever its size; so does a 304, and a 204 does not', async (t) => {
    const app = await buildTestApp(t, { env: { CORS_ORIGINS: 'https://shop.example' } })
    const staff = await createUser(app, 'staff')
    const [product] = await seedProducts(app, Array.from({ length: 100 }, (_, i) => ({ name: `Product ${i}`, description: 'Organic cotton, regular fit, machine washable' })))
    const list = async (headers: Record<string, string>) => await app.inject({ method: 'GET', url: '/api/products?limit=100', headers: { ...staff.headers, origin: 'https://shop.example', ...headers } })

    for (const [label, headers] of [['no Accept-Encoding', {}], ['identity', { 'accept-encoding': 'identity' }], ['X-No-Compression', { 'accept-encoding': 'gzip', 'x-no-compression': '1' }]] as const) {
      const res = await list(headers)
      t.equal(res.statusCode, 200)
      t.notOk(res.headers['content-encoding'], `${label}: sent uncompressed`)
      t.ok(res.rawPayload.length > 1024, `${label}: above the threshold`)
      t.equal(res.headers.vary, 'Origin, accept-encoding', `${label}: still varies on Accept-Encoding, merged with CORS' Origin`)
    }
    const gzipped = await list({ 'accept-encoding': 'gzip' })
    t.equal(gzipped.headers['content-encoding'], 'gzip')
    t.equal(gzipped.headers.vary, 'Origin, accept-encoding', 'compressed: the same Vary, once')

    const url = `/api/products/${product?.id ?? ''}`
    const small = await app.inject({ method: 'GET', url, headers: { ...staff.headers, origin: 'https://shop.example', 'accept-encoding': 'gzip' } })
    t.equal(small.statusCode, 200)
    t.ok(small.rawPayload.length < 1024, 'one product is under the threshold')
    t.notOk(small.headers['content-encoding'], 'under 1 KiB: sent as is')
    t.equal(small.headers.vary, 'Origin, accept-encoding', 'and still varies: the same resource is compressed once its body passes 1 KiB')

    const notModified = await app.inject({ method: 'GET', url, headers: { ...staff.headers, 'accept-encoding': 'gzip', 'if-none-match': small.headers.etag ?? '' } })
    t.equal(notModified.statusCode, 304)
    t.equal(notModified.rawPayload.length, 0)
    for (const header of ['content-type', 'content-length', 'content-encoding']) t.notOk(notModified.headers[header], `a 304 has no ${header}`)
    t.equal(notModified.headers.vary, 'Origin, accept-encoding', 'a 304 repeats the Vary its 200 would have sent (RFC 9110 §15.4.5)')

    const problem = await app.inject({ method: 'GET', url: '/api/products/not-a-uuid', headers: staff.headers })
    t.equal(problem.statusCode, 400)
    t.equal(problem.headers.vary, 'Origin, accept-encoding', 'problem+json is compressible too')

    const deleted = await app.inject({ method: 'DELETE', url, headers: staff.headers })
    t.equal(deleted.statusCode, 204)
    t.equal(deleted.headers.vary, 'Origin', 'a 204 has no representation to vary by coding (CORS still varies on Origin)')
  })

  t.test('responses above 1 KiB are compressed on request; a 100-item list shrinks by 70 % or more', async (t) => {
    const app = await buildTestApp(t)
    const staff = await createUser(app, 'staff')
    await seedProducts(app, Array.from({ length: 100 }, (_, i) => ({ name: `Product ${i}`, description: 'Organic cotton, regular fit, machine washable' })))
    const plain = await app.inject({ method: 'GET', url: '/api/products?limit=100', headers: staff.headers })
    t.notOk(plain.headers['content-encoding'], 'identity without Accept-Encoding')
    for (const [coding, inflate] of [['gzip', zlib.gunzipSync], ['br', zlib.brotliDecompressSync]] as const) {
      const res = await app.inject({ method: 'GET', url: '/api/products?limit=100', headers: { ...staff.headers, 'accept-encoding': coding } })
      t.equal(res.statusCode, 200)
      t.equal(res.headers['content-encoding'], coding)
      t.match(res.headers.vary, /accept-encoding/i)
      const body = inflate(res.rawPayload)
      t.same(JSON.parse(body.toString()).data.length, 100)
      t.equal(body.toString(), plain.body, 'the same document')
      const saved = 1 - res.rawPayload.length / plain.rawPayload.length
      t.comment(`${coding}: ${plain.rawPayload.length} -> ${res.rawPayload.length} bytes (${(saved * 100).toFixed(1)} % smaller)`)
      t.ok(saved >= 0.7, `${coding} shrinks the list by at least 70 %`)
    }
    const negotiated = async (accepted: string) => (await app.inject({ method: 'GET', url: '/api/products?limit=100', headers: { ...staff.headers, 'accept-encoding': accepted } })).headers['content-encoding']
    t.equal(await negotiated('*, gzip;q=0'), 'br', 'a wildcard never brings back a coding refused by name')
    t.equal(await negotiated('gzip;q=0, br;q=0, *'), 'deflate')
    t.equal(await negotiated('*, gzip;q=0, br;q=0, deflate;q=0'), undefined, 'every coding refused: sent as is')
    t.equal(await negotiated('*;q=0, identity'), undefined)
    t.equal(await negotiated('*'), 'br', 'any coding: the preferred one')
    const small = await app.inject({ method: 'GET', url: '/api/products?limit=1', headers: { ...staff.headers, 'accept-encoding': 'gzip' } })
    t.notOk(small.headers['content-encoding'], 'under 1 KiB: sent as is')
  })

  t.test('the threshold is "above 1 KiB": a 1,024-byte body is sent as is, a 1,025-byte one compressed', async (t) => {
    const app = await buildTestApp(t)
    const staff = await createUser(app, 'staff')
    const get = async (id: string | undefined) => await app.inject({ method: 'GET', url: `/api/products/${id ?? ''}`, headers: { ...staff.headers, 'accept-encoding': 'gzip' } })
    // Seeded products differ only in their description here (same-length sku, same name, price and stock).
    const [probe] = await seedProducts(app, [{ description: 'x'.repeat(100) }])
    const probed = await get(probe?.id)
    t.equal(probed.statusCode, 200)
    const padding = 100 + 1024 - probed.rawPayload.length
    const [exact, over] = await seedProducts(app, [{ description: 'x'.repeat(padding) }, { description: 'x'.repeat(padding + 1) }])
    const atLimit = await get(exact?.id)
    t.equal(atLimit.rawPayload.length, 1024, 'a body of exactly 1 KiB')
    t.notOk(atLimit.headers['content-encoding'], 'exactly 1 KiB: sent as is')
    const above = await get(over?.id)
    t.equal(above.headers['content-encoding'], 'gzip', 'one byte more: compressed')
    t.equal(zlib.gunzipSync(above.rawPayload).length, 1025)
  })

  t.test('ETags name the representation; If-None-Match gives 304 and If-Match 412 across encodings', async (t) => {
    const app = await buildTestApp(t)
    const staff = await createUser(app, 'staff')
    const [product] = await seedProducts(app, [{ description: 'x'.repeat(3000) }])
    const url = `/api/products/${product?.id ?? ''}`
    const plain = await app.inject({ method: 'GET', url, headers: staff.headers })
    const gzipped = await app.inject({ method: 'GET', url, headers: { ...staff.headers, 'accept-encoding': 'gzip' } })
    t.equal(gzipped.headers['content-encoding'], 'gzip')
    t.equal(plain.headers.etag, '"1"')
    t.equal(gzipped.headers.etag, '"1-gzip"', 'a strong ETag per representation')

    const revalidated = await app.inject({ method: 'GET', url, headers: { ...staff.headers, 'accept-encoding': 'gzip', 'if-none-match': '"1-gzip"' } })
    t.equal(revalidated.statusCode, 304)
    t.equal(revalidated.headers.etag, '"1-gzip"', 'the 304 names the tag the client holds')
    // A 304 tells a cache to serve its copy with the tag it names: only a copy in a coding this request takes.
    for (const [label, headers] of [['no Accept-Encoding', {}], ['br only', { 'accept-encoding': 'br' }], ['gzip refused', { 'accept-encoding': 'gzip;q=0, br' }], ['every coding refused by *', { 'accept-encoding': '*;q=0, identity' }]] as const) {
      const otherCoding = await app.inject({ method: 'GET', url, headers: { ...staff.headers, ...headers, 'if-none-match': '"1-gzip"' } })
      t.equal(otherCoding.statusCode, 200, `${label}: a gzip copy is not this request's representation, so the full body`)
      t.equal(otherCoding.headers.etag, otherCoding.headers['content-encoding'] === 'br' ? '"1-br"' : '"1"', `${label}: with its own tag`)
    }
    const eitherCopy = await app.inject({ method: 'GET', url, headers: { ...staff.headers, 'if-none-match': '"1-gzip", W/"1"' } })
    t.equal(eitherCopy.statusCode, 304, 'the client also holds the identity copy: 304')
    t.equal(eitherCopy.headers.etag, '"1"', 'naming that copy')
    const wildcard = await app.inject({ method: 'GET', url, headers: { ...staff.headers, 'accept-encoding': '*', 'if-none-match': '"1-gzip"' } })
    t.equal(wildcard.statusCode, 304, 'Accept-Encoding * takes gzip')
    t.equal(wildcard.headers.etag, '"1-gzip"')
    const identityCopy = await app.inject({ method: 'GET', url, headers: { ...staff.headers, 'accept-encoding': 'gzip', 'if-none-match': '"1"' } })
    t.equal(identityCopy.statusCode, 304, 'an identity copy serves a client that takes gzip too')
    t.equal(identityCopy.headers.etag, '"1"')

    const update = { sku: 'ETAG-1', name: 'Changed', description: 'y'.repeat(3000), price_cents: 1, stock: 1 }
    const matched = await app.inject({ method: 'PUT', url, headers: { ...staff.headers, 'if-match': '"1-gzip"' }, payload: update })
    t.equal(matched.statusCode, 200, 'If-Match with the compressed tag of the current state passes')
    const stale = await app.inject({ method: 'PUT', url, headers: { ...staff.headers, 'if-match': '"1-gzip"' }, payload: update })
    t.equal(stale.statusCode, 412, 'and a stale one fails')
    const changed = await app.inject({ method: 'GET', url, headers: { ...staff.headers, 'accept-encoding': 'gzip', 'if-none-match': '"1-gzip"' } })
    t.equal(changed.statusCode, 200, 'changed: no 304')
    t.equal(changed.headers.etag, '"2-gzip"')
  })
})
