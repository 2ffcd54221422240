import { Format } from 'typebox/format'

const rfc3339 = Format.Get('date-time')

/**
 * `date-time` as TypeBox checks RFC 3339 (real calendar days, an offset), and an instant that
 * JavaScript and Postgres can represent: RFC 3339 allows a leap second (`23:59:60`), which
 * Date.parse refuses, so such a value passed validation and failed at the database with a
 * misleading 400. Registered when this module is first imported (lib/validator-compiler.ts).
 */
export function isDateTime (value: string): boolean {
  return (rfc3339 === undefined || rfc3339(value)) && !Number.isNaN(Date.parse(value))
}

Format.Set('date-time', isDateTime)
