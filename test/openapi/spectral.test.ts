import { suite } from '../helpers/suite.js'
import { openApiDocument } from './document.js'
import { spectralLint, type Finding } from './spectral.js'
import { tempFile } from './tmpfile.js'

const describe = (f: Finding): string => `${f.code} at ${f.path}: ${f.message}`

export default suite(import.meta, (t) => {
  t.test('Spectral (spectral:oas + OWASP) finds no errors in the live document', async (t) => {
    const doc = await openApiDocument(t)
    const findings = await spectralLint(await tempFile(t, 'openapi.json', JSON.stringify(doc, null, 2)))
    const errors = findings.filter((f) => f.severity === 'error')
    const warnings = findings.filter((f) => f.severity === 'warning')
    const byRule = new Map<string, number>()
    for (const w of warnings) byRule.set(w.code, (byRule.get(w.code) ?? 0) + 1)
    t.comment(`${warnings.length} warnings: ${[...byRule].map(([code, n]) => `${code} x${n}`).join(', ') || 'none'}`)
    t.same(errors.map(describe), [], `no Spectral errors (${errors.length} found)`)
  })

  t.test('the ruleset really enforces the request size limits (a known-bad document fails)', async (t) => {
    const bad = {
      openapi: '3.1.0',
      info: { title: 'bad', version: '1', description: 'd', contact: { name: 'x' }, license: { name: 'MIT', identifier: 'MIT' } },
      servers: [{ url: '/', description: 'local', 'x-internal': false }],
      paths: {
        '/things': {
          post: {
            operationId: 'createThing',
            summary: 'Create',
            tags: ['things'],
            requestBody: {
              content: {
                'application/json': {
                  schema: {
                    type: 'object',
                    properties: {
                      name: { type: 'string' },
                      tags: { type: 'array', items: { type: 'string', maxLength: 5 } },
                      count: { type: 'integer', format: 'int32' }
                    }
                  }
                }
              }
            },
            responses: { 201: { description: 'Created' } }
          }
        }
      }
    }
    const codes = new Set((await spectralLint(await tempFile(t, 'bad.json', JSON.stringify(bad)))).filter((f) => f.severity === 'error').map((f) => f.code))
    t.ok(codes.has('goshop-request-string-limit'), 'unbounded request string is an error')
    t.ok(codes.has('goshop-request-array-limit'), 'unbounded request array is an error')
    t.ok(codes.has('goshop-request-integer-limit'), 'unbounded request integer is an error')
  })
})
