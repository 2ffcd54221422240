import { suite } from '../../helpers/suite.js'
import { acceptsCoding, canonicalContentEncoding, expandWildcard } from '../../../lib/http/content-coding.js'

const CODINGS = ['br', 'gzip', 'deflate']

export default suite(import.meta, (t) => {
  t.test('a wildcard never overrides a coding the client refused', async (t) => {
    t.equal(expandWildcard('*, gzip;q=0', CODINGS), 'br, deflate, gzip;q=0')
    t.equal(expandWildcard('gzip;q=0, *', CODINGS), 'gzip;q=0, br, deflate')
    t.equal(expandWildcard('*, gzip;q=0, br;q=0, deflate;q=0', CODINGS), 'gzip;q=0, br;q=0, deflate;q=0', 'everything refused: nothing left to pick')
    t.equal(expandWildcard('*;q=0', CODINGS), 'br;q=0, gzip;q=0, deflate;q=0', 'the wildcard\'s weight goes with it')
    t.equal(expandWildcard('gzip, * ; q=0.5', CODINGS), 'gzip, br; q=0.5, deflate; q=0.5')
    t.equal(expandWildcard('br, gzip, deflate, *', CODINGS), 'br, gzip, deflate', 'a wildcard that adds nothing goes')
    t.equal(expandWildcard('*', []), 'identity', 'and a header left empty means identity')
    t.equal(expandWildcard('BR;q=0, *', CODINGS), 'BR;q=0, gzip, deflate', 'coding names are case-insensitive')
  })

  t.test('headers without a wildcard are left as they are', async (t) => {
    for (const header of ['', 'gzip', 'br;q=0.5, gzip', 'identity']) t.equal(expandWildcard(header, CODINGS), header)
  })

  t.test('a request coding is read case-insensitively, x-gzip as gzip', async (t) => {
    t.equal(canonicalContentEncoding('GZIP'), 'gzip')
    t.equal(canonicalContentEncoding(' x-gzip '), 'gzip')
    t.equal(canonicalContentEncoding('Deflate'), 'deflate')
    t.equal(canonicalContentEncoding('br'), 'br')
  })

  t.test('which codings an Accept-Encoding takes (RFC 9110 §12.5.3)', async (t) => {
    const cases: Array<[string | undefined, string, boolean]> = [
      [undefined, 'identity', true], [undefined, 'gzip', false],
      ['', 'identity', true], ['', 'gzip', false],
      ['gzip', 'gzip', true], ['GZIP;Q=0.5', 'gzip', true], ['gzip', 'br', false], ['gzip', 'identity', true],
      ['gzip;q=0', 'gzip', false], ['gzip; q=0.000', 'gzip', false], ['br, gzip;q=0', 'gzip', false],
      ['*', 'gzip', true], ['*, gzip;q=0', 'gzip', false], ['*, gzip;q=0', 'br', true], ['*;q=0', 'gzip', false],
      ['identity;q=0', 'identity', false], ['*;q=0', 'identity', false], ['*;q=0, identity', 'identity', true], ['gzip;q=0', 'identity', true]
    ]
    for (const [header, coding, expected] of cases) t.equal(acceptsCoding(header, coding), expected, `${String(header)} takes ${coding}: ${String(expected)}`)
  })
})
