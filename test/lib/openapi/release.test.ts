import { suite } from '../../helpers/suite.js'
import { releaseText } from '../../../lib/openapi/release.js'

export default suite(import.meta, (t) => {
  t.test('only an object is a document', async (t) => {
    t.throws(() => releaseText([]), /is an object/)
    t.throws(() => releaseText('{}'), /is an object/)
  })

  t.test('paths and component schemas are sorted, everything else keeps the served order', async (t) => {
    const served = {
      openapi: '3.1.0',
      info: { version: '1', title: 'x' },
      paths: { '/b': { post: {}, get: {} }, '/a': {} },
      components: { securitySchemes: {}, schemas: { Zed: { type: 'object', required: ['b', 'a'], properties: { b: {}, a: {} } }, Alpha: {} } }
    }
    const text = releaseText(served)
    t.ok(text.endsWith('}\n'), 'one final newline')
    t.same(JSON.parse(text), served, 'the same data')
    const keys = (value: unknown): string[] => typeof value === 'object' && value !== null ? Object.keys(value) : []
    const parsed: unknown = JSON.parse(text)
    const at = (value: unknown, key: string): unknown => typeof value === 'object' && value !== null && key in value ? Object.entries(value).find(([k]) => k === key)?.[1] : undefined
    t.same(keys(parsed), ['openapi', 'info', 'paths', 'components'])
    t.same(keys(at(parsed, 'info')), ['version', 'title'], 'served order kept')
    t.same(keys(at(parsed, 'paths')), ['/a', '/b'])
    t.same(keys(at(at(parsed, 'paths'), '/b')), ['post', 'get'], 'methods as served')
    t.same(keys(at(at(parsed, 'components'), 'schemas')), ['Alpha', 'Zed'])
    t.same(keys(at(at(at(at(parsed, 'components'), 'schemas'), 'Zed'), 'properties')), ['b', 'a'], 'properties as declared')
    t.equal(releaseText(structuredClone(served)), text, 'the same text each time')
    t.match(text, /^{\n {2}"openapi": "3\.1\.0",\n/, 'two-space indentation')
  })
})
