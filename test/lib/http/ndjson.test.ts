import Fastify, { type FastifyInstance } from 'fastify'
import type { Test } from 'tap'
import { suite } from '../../helpers/suite.js'
import { sendNdjson } from '../../../lib/http/ndjson.js'

/** A source of `rows` rows that counts how many were read and whether it was closed. */
function countingSource (rows: number): { items: AsyncIterable<number>, read: () => number, closed: () => boolean } {
  let read = 0
  let closed = false
  async function * items (): AsyncGenerator<number> {
    try {
      for (let i = 0; i < rows; i++) {
        read++
        yield i
      }
    } finally {
      closed = true
    }
  }
  return { items: items(), read: () => read, closed: () => closed }
}

async function exportApp (t: Test, source: ReturnType<typeof countingSource>): Promise<FastifyInstance> {
  const app = Fastify()
  app.get('/export', async (_request, reply) => await sendNdjson(reply, source.items, (n) => JSON.stringify({ n })))
  t.teardown(async () => { await app.close() })
  return app
}

export default suite(import.meta, (t) => {
  t.test('HEAD reads the first row only and closes the source; its headers are GET\'s', async (t) => {
    const source = countingSource(10_000)
    const app = await exportApp(t, source)
    const res = await app.inject({ method: 'HEAD', url: '/export' })
    t.equal(res.statusCode, 200)
    t.match(res.headers['content-type'], /^application\/x-ndjson/)
    t.equal(res.body, '')
    t.equal(res.headers['content-length'], undefined, 'no length: GET streams its body chunked')
    t.equal(source.read(), 1, 'one row read, to know the export starts')
    t.ok(source.closed(), 'the source (a database cursor) is released at once')
  })

  t.test('GET streams every row, one per line', async (t) => {
    const source = countingSource(10_000)
    const app = await exportApp(t, source)
    const res = await app.inject({ method: 'GET', url: '/export' })
    t.equal(res.statusCode, 200)
    const lines = res.body.split('\n')
    t.equal(lines.pop(), '', 'the body ends with a newline')
    t.equal(lines.length, 10_000)
    t.same(JSON.parse(lines.at(-1) ?? ''), { n: 9999 })
    t.equal(source.read(), 10_000)
  })
})
