import { suite } from '../helpers/suite.js'
import { openApiDocument } from './document.js'
import { redoclyLint } from './redocly.js'
import { tempFile } from './tmpfile.js'

export default suite(import.meta, (t) => {
  t.test('Redocly\'s recommended ruleset finds no errors in the live document', async (t) => {
    const doc = await openApiDocument(t)
    const problems = await redoclyLint(await tempFile(t, 'openapi.json', JSON.stringify(doc, null, 2)))
    const errors = problems.filter((p) => p.severity === 'error')
    t.comment(`warnings: ${problems.filter((p) => p.severity !== 'error').map((p) => `${p.ruleId} at ${p.pointer}`).join('; ') || 'none'}`)
    t.same(errors.map((p) => `${p.ruleId} at ${p.pointer}: ${p.message}`), [], `no Redocly errors (${errors.length} found)`)
  })

  t.test('the Redocly run really reports errors (an operation without security fails security-defined)', async (t) => {
    const bad = {
      openapi: '3.1.0',
      info: { title: 'bad', version: '1', license: { name: 'MIT', identifier: 'MIT' } },
      servers: [{ url: '/' }],
      components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer' } } },
      paths: { '/things': { get: { operationId: 'listThings', summary: 'List', responses: { 200: { description: 'ok' }, 400: { description: 'bad' } } } } }
    }
    const problems = await redoclyLint(await tempFile(t, 'bad.json', JSON.stringify(bad)))
    t.ok(problems.some((p) => p.ruleId === 'security-defined' && p.severity === 'error'), 'security-defined is an error')
  })
})
