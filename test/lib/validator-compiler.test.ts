import type { FastifySchemaValidationError } from 'fastify'
import { Type, type TSchema } from 'typebox'
import { suite } from '../helpers/suite.js'
import { clipArrays, largestMaxItems, MAX_VALIDATION_ERRORS, validatorCompiler } from '../../lib/validator-compiler.js'
import { toFieldErrors } from '../../lib/validation-errors.js'
import { MAX_DETAIL_LENGTH } from '../../schemas/bounds.js'

function compile (schema: TSchema, httpPart = 'body') {
  const validate = validatorCompiler({ schema, httpPart, method: 'POST', url: '/x' })
  return (value: unknown): { value?: unknown, error?: FastifySchemaValidationError[] } => {
    const result = validate(value)
    if (typeof result !== 'object' || result === null || 'then' in result) throw new Error('expected a synchronous result')
    const error = Array.isArray(result.error) ? result.error : undefined
    return { value: result.value, ...(error !== undefined ? { error } : {}) }
  }
}

const Line = Type.Object({ id: Type.String({ maxLength: 5 }), n: Type.Integer({ minimum: 1, maximum: 9 }) }, { additionalProperties: false })
const Body = Type.Object({ lines: Type.Array(Line, { minItems: 1, maxItems: 3 }), tags: Type.Optional(Type.Array(Type.String({ maxLength: 3 }), { maxItems: 7 })) }, { additionalProperties: false })

export default suite(import.meta, (t) => {
  t.test('a value an enum does not allow is one finding that lists the allowed values', async (t) => {
    const Status = Type.Union([Type.Literal('pending'), Type.Literal('paid')], { title: 'Status' })
    const validate = compile(Type.Object({ status: Status, kind: Type.Literal('order'), both: Type.Array(Status, { maxItems: 2 }) }, { additionalProperties: false }))
    const { error } = validate({ status: 'lost', kind: 'item', both: ['paid', 'gone'] })
    t.same(toFieldErrors(error ?? [], 'body').map(({ pointer, detail }) => ({ pointer, detail })), [
      { pointer: '/status', detail: 'must be one of pending, paid' },
      { pointer: '/kind', detail: 'must be equal to constant' },
      { pointer: '/both/1', detail: 'must be one of pending, paid' }
    ], 'one entry per refused value; a single literal keeps its own message')
  })

  t.test('an array far over maxItems of bad items: maxItems reported, at most 10 errors, first items first', async (t) => {
    const validate = compile(Body)
    const { error } = validate({ lines: new Array(200_000).fill(0) })
    t.ok(error !== undefined, 'invalid')
    t.ok((error?.length ?? 0) <= MAX_VALIDATION_ERRORS, `${error?.length} errors`)
    t.ok(error?.some((e) => e.keyword === 'maxItems' && e.instancePath === '/lines'), 'the too-long array is named')
    const itemPaths = (error ?? []).map((e) => e.instancePath).filter((p) => p.startsWith('/lines/'))
    t.ok(itemPaths.length > 0, 'item errors are reported')
    const cut = largestMaxItems(Body) + 1
    t.ok(itemPaths.every((p) => Number(p.split('/')[2]) < cut), `only the first ${cut} items are walked: ${itemPaths.join(', ')}`)
  })

  t.test('hundreds of unknown properties: at most 10 field errors', async (t) => {
    const validate = compile(Body)
    const body: Record<string, unknown> = { lines: [{ id: 'a', n: 1 }] }
    for (let i = 0; i < 5000; i++) body[`x${i}`] = i
    const { error } = validate(body)
    const fields = toFieldErrors(error ?? [], 'body')
    t.equal(fields.length, MAX_VALIDATION_ERRORS)
    t.same(fields[0], { pointer: '/x0', in: 'body', detail: 'is not an allowed property' })
  })

  t.test('an unknown property with a 100,000-character name: the pointer is cut to the contract bound', async (t) => {
    const { error } = compile(Body)({ lines: [{ id: 'a', n: 1 }], ['k'.repeat(100_000)]: 1 })
    const fields = toFieldErrors(error ?? [], 'body')
    t.equal(fields.length, 1)
    t.equal(fields[0]?.pointer.length, MAX_DETAIL_LENGTH)
    t.ok(fields[0]?.pointer.startsWith('/kkk') && fields[0]?.pointer.endsWith('\u2026'), 'cut, and marked as cut')
  })

  t.test('query numbers convert only from plain decimals: no truncation, no hex, no blanks', async (t) => {
    const Query = Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })), ratio: Type.Optional(Type.Number()), q: Type.Optional(Type.String()) }, { additionalProperties: false })
    const validate = compile(Query, 'querystring')
    t.same(validate({ limit: '20', ratio: '-1.25e2', q: '1.5' }).value, { limit: 20, ratio: -125, q: '1.5' }, 'decimals convert; strings stay strings')
    for (const [limit, why] of [['1.5', 'a fraction'], ['0x10', 'hex'], [' 3', 'a blank'], ['1e1', 'an exponent on an integer'], ['', 'empty']]) {
      const { error } = validate({ limit })
      t.same(error?.map((e) => `${e.instancePath} ${e.keyword}`), ['/limit type'], `${why} (${JSON.stringify(limit)}) is not an integer`)
    }
    t.same(validate({ ratio: '0x1' }).error?.map((e) => e.instancePath), ['/ratio'], 'nor hex for a number')
  })

  t.test('the errors of a short invalid value are the full ones; a valid value passes unchanged', async (t) => {
    const validate = compile(Body)
    const { error } = validate({ lines: [{ id: 'toolong', n: 0 }], tags: ['abcd'] })
    t.same((error ?? []).map((e) => `${e.instancePath} ${e.keyword}`).sort(), ['/lines/0/id maxLength', '/lines/0/n minimum', '/tags/0 maxLength'])
    const good = { lines: [{ id: 'a', n: 2 }], tags: ['x'] }
    t.equal(validate(good).value, good)
    t.notOk('error' in validate(good))
  })

  t.test('a schema with an unbounded array is walked whole (no cut that could hide an error)', async (t) => {
    const Unbounded = Type.Object({ list: Type.Array(Type.Integer({ minimum: 0, maximum: 9 })) })
    t.equal(largestMaxItems(Unbounded), Infinity)
    const list = new Array(50).fill(1)
    list[40] = 'x'
    const { error } = compile(Unbounded)({ list })
    t.same(error?.map((e) => e.instancePath), ['/list/40'])
  })

  t.test('query strings are still converted before the check', async (t) => {
    const Query = Type.Object({ limit: Type.Integer({ minimum: 1, maximum: 100 }) })
    t.same(compile(Query, 'querystring')({ limit: '42' }).value, { limit: 42 })
    t.ok(compile(Query, 'querystring')({ limit: '0' }).error !== undefined)
  })

  t.test('largestMaxItems reads schemas, not examples; clipArrays cuts every array and keeps the rest', async (t) => {
    t.equal(largestMaxItems(Body), 7)
    t.equal(largestMaxItems(Type.String({ examples: [['a', 'b']] })), 0)
    t.equal(largestMaxItems(Type.Union([Type.Array(Type.Null(), { maxItems: 4 }), Type.Array(Type.Null(), { maxItems: 12 })])), 12)
    t.same(clipArrays({ a: [1, 2, 3, [4, 5, 6]], b: { c: [7, 8, 9] }, d: 'text' }, 2), { a: [1, 2], b: { c: [7, 8] }, d: 'text' })
    t.same(clipArrays([[1, 2, 3], [4]], 2), [[1, 2], [4]])
    const nullProto = Object.assign(Object.create(null), { k: [1, 2, 3] })
    const clipped = clipArrays(nullProto, 1)
    t.equal(Object.getPrototypeOf(clipped), null, 'the prototype is kept')
    t.same({ ...(clipped as object) }, { k: [1] })
  })
})
