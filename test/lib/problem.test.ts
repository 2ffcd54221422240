import { suite } from '../helpers/suite.js'
import { clipText } from '../../lib/problem.js'

export default suite(import.meta, (t) => {
  t.test('clipText: longer text is cut to the bound with an ellipsis; text within it is unchanged', async (t) => {
    t.equal(clipText('x'.repeat(10), 5), 'xxxx\u2026')
    t.equal(clipText('x'.repeat(10), 5).length, 5)
    t.equal(clipText('xxxxx', 5), 'xxxxx')
    t.equal(clipText('', 5), '')
  })
})
