import { Type, type TSchema } from 'typebox'
import { Value } from 'typebox/value'
import { suite } from '../helpers/suite.js'
import { stringsOnly } from '../../lib/strings-only-schema.js'
import { validatorCompiler } from '../../lib/validator-compiler.js'
import { IdParams, PreconditionHeaders, IfNoneMatchHeaders } from '../../schemas/common.js'
import { ListProductsQuery } from '../../schemas/products.js'

/** The compiled validator's synchronous outcome: whether it refused, and the value it passes on. */
function compile (schema: TSchema, httpPart: string): (value: unknown) => { refused: boolean, value: unknown } {
  const validate = validatorCompiler({ schema, httpPart, method: 'GET', url: '/x' })
  return (value) => {
    const result = validate(value)
    if (typeof result !== 'object' || result === null || 'then' in result) throw new Error('expected a synchronous result')
    return { refused: result.error !== undefined, value: result.value }
  }
}

/** What HTTP hands a validator for params, querystring and headers: strings, repeated keys as arrays, absent keys. */
const HTTP_VALUES: Array<Record<string, unknown>> = [
  {},
  { id: '3f1c9b2e-6a4d-4e8b-9c1a-2b7d5e8f0a13' },
  { id: 'not-a-uuid' },
  { id: '' },
  { id: ['a', 'b'] },
  { 'if-match': '"7"', 'if-none-match': '"7", "8-gzip"', host: 'x', 'x-repeated': ['1', '2'] },
  { 'if-none-match': ['"1"', '"2"'] },
  { nested: { deeper: 'x' } }
]

export default suite(import.meta, (t) => {
  t.test('schemas of strings only are told apart from those that need conversion', async (t) => {
    for (const schema of [IdParams, PreconditionHeaders, IfNoneMatchHeaders, Type.Object({ a: Type.Object({ b: Type.Optional(Type.String()) }) }), Type.Literal('x')]) {
      t.ok(stringsOnly(schema), JSON.stringify(schema))
    }
    const needConversion = [
      ListProductsQuery,
      Type.Object({ n: Type.Integer({ minimum: 0, maximum: 9 }) }),
      Type.Object({ b: Type.Boolean() }),
      Type.Object({ s: Type.Array(Type.String({ maxLength: 9 }), { maxItems: 9 }) }),
      Type.Object({ u: Type.Union([Type.Literal('a'), Type.Literal('b')]) }),
      Type.Object({}, { additionalProperties: Type.Number() }),
      Type.Null()
    ]
    for (const schema of needConversion) t.notOk(stringsOnly(schema), JSON.stringify(schema))
  })

  t.test('for a schema of strings only, conversion leaves every HTTP value as it is, so skipping it changes nothing', async (t) => {
    for (const schema of [IdParams, PreconditionHeaders, IfNoneMatchHeaders]) {
      for (const value of HTTP_VALUES) t.same(Value.Convert(schema, structuredClone(value)), value, `${JSON.stringify(value)} unchanged`)
    }
    for (const [httpPart, schema] of [['params', IdParams], ['headers', IfNoneMatchHeaders]] as const) {
      const validate = compile(schema, httpPart)
      for (const value of HTTP_VALUES) {
        const converted = Value.Convert(schema, structuredClone(value))
        const outcome = validate(value)
        t.equal(outcome.refused, !Value.Check(schema, converted), `${httpPart} ${JSON.stringify(value)}: same verdict as convert-then-check`)
        if (!outcome.refused) t.same(outcome.value, converted, `${httpPart} ${JSON.stringify(value)}: same value passed on`)
      }
    }
  })

  t.test('schemas that need conversion are still converted', async (t) => {
    const outcome = compile(ListProductsQuery, 'querystring')({ limit: '20' })
    t.notOk(outcome.refused)
    t.same(outcome.value, { limit: 20 }, 'the querystring limit "20" becomes the integer 20')
  })
})
