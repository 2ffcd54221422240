import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { TestContext } from '../helpers/database.js'

/** Writes `content` to a file in a fresh temp directory removed at teardown. */
export async function tempFile (t: TestContext, name: string, content: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'goshop-openapi-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const file = join(dir, name)
  await writeFile(file, content)
  return file
}
