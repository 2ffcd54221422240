import { declaredContract } from '../helpers/declared.js'
import type { Test } from 'tap'

/**
 * Every response the e2e suite receives from the server (through openapi-fetch or plain fetch)
 * is recorded, then compared with the live document: each status, header and problem code sent must
 * be declared on that operation's response for that status, so the document cannot drift from the wire again.
 */
interface Exchange { method: string, url: URL, status: number, headers: string[], problemType?: string, problemCode?: string }

const exchanges: Exchange[] = []
let installed = false

/** Wraps global fetch (before any client is made) so every exchange of the suite is recorded; restored at teardown. */
export function recordExchanges (t: Test): void {
  if (installed) throw new Error('exchanges are already being recorded')
  installed = true
  exchanges.length = 0
  const original = globalThis.fetch
  globalThis.fetch = async (input, init) => {
    const request = new Request(input, init)
    const response = await original(request)
    const problem: unknown = response.headers.get('content-type')?.startsWith('application/problem+json') === true ? await response.clone().json() : undefined
    const problemType = isRecord(problem) && typeof problem.type === 'string' ? { problemType: problem.type } : {}
    const problemCode = isRecord(problem) && typeof problem.code === 'string' ? { problemCode: problem.code } : {}
    exchanges.push({ method: request.method, url: new URL(request.url), status: response.status, headers: [...response.headers.keys()], ...problemType, ...problemCode })
    return response
  }
  t.teardown(() => {
    globalThis.fetch = original
    installed = false
  })
}

type Json = Record<string, unknown>
const isRecord = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value)

/** Asserts that every recorded exchange (with any server of the suite) of a documented operation only carried declared headers. */
export async function assertHeadersDeclared (t: Test, baseUrl: string): Promise<void> {
  const recorded = [...exchanges]
  const res = await fetch(`${baseUrl}/swagger/json`)
  const contract = declaredContract(await res.json())
  const undeclared = new Set<string>()
  let checked = 0
  for (const exchange of recorded) {
    const answer = { method: exchange.method, pathname: exchange.url.pathname, status: exchange.status, headers: exchange.headers, code: exchange.problemCode }
    if (contract.operationOf(answer) === undefined) continue
    checked++
    for (const problem of contract.undeclared(answer)) undeclared.add(problem)
  }
  t.ok(checked > 0, `${checked} of ${recorded.length} exchanges were with documented operations`)
  t.same([...undeclared].sort(), [], 'every status, header and problem code the operations answered is declared for them')

  // Every problem type the flows met resolves to its entry in the registry (GET /problems/{slug}).
  const types = new Set(recorded.map((e) => e.problemType).filter((type): type is string => type !== undefined))
  for (const type of types) {
    const explained = await fetch(new URL(type, baseUrl))
    t.equal(explained.status, 200, `problem type ${type} resolves`)
  }
}
