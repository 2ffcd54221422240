import { readFile, writeFile } from 'node:fs/promises'
import { suite } from '../helpers/suite.js'
import { GENERATED_SCHEMA, generateSchemaSource } from './client.js'
import { startServer } from '../helpers/server-process.js'

// `npm run generate:client` runs this file with GENERATE_CLIENT=1 to (re)write the committed types.
const regenerate = process.env.GENERATE_CLIENT === '1'

export default suite(import.meta, (t) => {
  t.test('the committed client types are exactly what the live document generates', async (t) => {
    const server = await startServer(t)
    const generated = await generateSchemaSource(server.baseUrl)
    if (regenerate) {
      await writeFile(GENERATED_SCHEMA, generated)
      t.comment(`wrote ${GENERATED_SCHEMA}`)
    }
    const committed = await readFile(GENERATED_SCHEMA, 'utf8')
    t.ok(generated.includes('export interface paths'), 'the generator produced a paths interface')
    t.equal(committed, generated, 'test/e2e/generated/schema.d.ts is stale or edited: run `npm run generate:client` and review the diff')
  })
})
