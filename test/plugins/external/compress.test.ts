import zlib from 'node:zlib'
import { suite } from '../../helpers/suite.js'
import { buildTestApp } from '../../helpers/app.js'
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

    const corrupt = await post(Buffer.from('certainly not gzip'), 'gzip')
    t.equal(corrupt.statusCode, 400)
    t.match(corrupt.headers['content-type'], /application\/problem\+json/)
    const brotli = await post(zlib.brotliCompressSync(Buffer.from('{}')), 'br')
    t.equal(brotli.statusCode, 415)
    t.equal(brotli.json().code, 'UNSUPPORTED_MEDIA_TYPE')
    t.equal((await app.db.selectFrom('products').select('id').execute()).length, 0, 'nothing written')

    const created = await post(zlib.gzipSync(JSON.stringify({ sku: 'GZ-1', name: 'Gzipped', price_cents: 100, stock: 1 })), 'gzip')
    t.equal(created.statusCode, 201, 'a gzip body is decompressed and handled as JSON')
    t.equal(created.json().sku, 'GZ-1')
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
    const small = await app.inject({ method: 'GET', url: '/api/products?limit=1', headers: { ...staff.headers, 'accept-encoding': 'gzip' } })
    t.notOk(small.headers['content-encoding'], 'under 1 KiB: sent as is')
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
    const otherCoding = await app.inject({ method: 'GET', url, headers: { ...staff.headers, 'if-none-match': '"1-gzip"' } })
    t.equal(otherCoding.statusCode, 304, 'the resource is unchanged whatever the coding')

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
