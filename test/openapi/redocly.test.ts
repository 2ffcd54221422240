import { readFile } from 'node:fs/promises'
import { suite } from '../helpers/suite.js'
import { openApiDocument } from './document.js'
import { redoclyLint } from './redocly.js'
import { tempFile } from './tmpfile.js'

export default suite(import.meta, (t) => {
  t.test('Redocly\'s recommended ruleset finds no errors and no warnings in the live document', async (t) => {
    const doc = await openApiDocument(t)
    const problems = await redoclyLint(await tempFile(t, 'openapi.json', JSON.stringify(doc, null, 2)))
    t.same(problems.map((p) => `${p.severity} ${p.ruleId} at ${p.pointer}: ${p.message}`), [], `no Redocly errors or warnings (${problems.length} found)`)
  })

  t.test('every Redocly rule switched off in redocly.yaml has its reason in docs/openapi.md', async (t) => {
    const config = await readFile(new URL('../../redocly.yaml', import.meta.url), 'utf8')
    const docs = await readFile(new URL('../../docs/openapi.md', import.meta.url), 'utf8')
    const off = [...config.matchAll(/^\s+([a-z0-9-]+): off$/gm)].map((match) => match[1] ?? '')
    t.ok(off.length > 0, 'redocly.yaml switches rules off')
    for (const rule of off) t.ok(docs.includes(`\`${rule}\``), `${rule} is explained in docs/openapi.md`)
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
