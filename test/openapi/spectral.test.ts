import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { parse } from 'yaml'
import { suite } from '../helpers/suite.js'
import { openApiDocument } from './document.js'
import { spectralLint, type Finding } from './spectral.js'
import { tempFile } from './tmpfile.js'

const describe = (f: Finding): string => `${f.code} at ${f.path}: ${f.message}`
const RULESET = fileURLToPath(new URL('../../.spectral.yaml', import.meta.url))
const DOCS = fileURLToPath(new URL('../../docs/openapi.md', import.meta.url))

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null

/** Rules set to `off` in the ruleset, at the top or in an override. */
function switchedOff (ruleset: unknown): string[] {
  const blocks = isRecord(ruleset) ? [ruleset, ...(Array.isArray(ruleset.overrides) ? ruleset.overrides : [])] : []
  const off = blocks.flatMap((block) => isRecord(block) && isRecord(block.rules)
    ? Object.entries(block.rules).filter(([, setting]) => setting === 'off').map(([rule]) => rule)
    : [])
  return [...new Set(off)]
}

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
    t.same(findings.filter((f) => f.code.startsWith('owasp:api4:') && f.severity === 'error').map(describe), [], 'no OWASP API4 (resource consumption) error')
  })

  t.test('every rule the project ruleset switches off is listed, with its reason, in docs/openapi.md', async (t) => {
    const ruleset: unknown = parse(await readFile(RULESET, 'utf8'))
    const docs = await readFile(DOCS, 'utf8')
    const off = switchedOff(ruleset)
    t.ok(off.length > 0, `${off.length} rules switched off somewhere`)
    for (const rule of off) t.ok(docs.includes(`\`${rule}\``), `${rule} is explained in docs/openapi.md`)
    for (const limit of ['owasp:api4:2023-string-limit', 'owasp:api4:2023-array-limit', 'owasp:api4:2023-integer-limit']) {
      t.notOk(off.includes(limit), `${limit} stays on`)
    }
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
    t.ok(codes.has('owasp:api4:2023-string-limit'), 'unbounded request string is an error')
    t.ok(codes.has('owasp:api4:2023-array-limit'), 'unbounded request array is an error')
    t.ok(codes.has('owasp:api4:2023-integer-limit'), 'unbounded request integer is an error')
  })
})
