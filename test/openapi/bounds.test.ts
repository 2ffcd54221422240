import { suite } from '../helpers/suite.js'
import { openApiDocument, type Json } from './document.js'

/** JSON Schema keywords whose checking or error reporting costs more than linear time in the input. */
const SUPERLINEAR = ['uniqueItems']

function findKeyword (value: Json, keyword: string, path: string, found: string[]): void {
  if (Array.isArray(value)) {
    value.forEach((item, index) => { findKeyword(item, keyword, `${path}/${index}`, found) })
  } else if (typeof value === 'object' && value !== null) {
    for (const [key, child] of Object.entries(value)) {
      if (key === keyword && child !== false) found.push(path)
      if (key !== 'examples' && key !== 'example') findKeyword(child, keyword, `${path}/${key}`, found)
    }
  }
}

export default suite(import.meta, (t) => {
  t.test('no schema of the served document uses a check whose cost grows faster than its input', async (t) => {
    const doc = await openApiDocument(t)
    for (const keyword of SUPERLINEAR) {
      const found: string[] = []
      findKeyword(doc, keyword, '#', found)
      t.same(found, [], `no ${keyword} (duplicates are found in code, with a Set)`)
    }
  })
})
