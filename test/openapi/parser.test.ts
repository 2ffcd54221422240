import { compileErrors, validate } from '@readme/openapi-parser'
import { suite } from '../helpers/suite.js'
import { openApiDocument } from './document.js'
import { tempFile } from './tmpfile.js'

export default suite(import.meta, (t) => {
  t.test('the document is valid OpenAPI 3.1 (@readme/openapi-parser)', async (t) => {
    const doc = await openApiDocument(t)
    t.equal(doc.openapi, '3.1.0')
    const file = await tempFile(t, 'openapi.json', JSON.stringify(doc))
    const result = await validate(file)
    t.ok(result.valid, result.valid ? 'valid' : compileErrors(result))
    t.equal(result.specification, 'OpenAPI')
  })
})
