import { suite } from '../../helpers/suite.js'
import { canonicalContentEncoding, expandWildcard } from '../../../lib/http/content-coding.js'

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
})
