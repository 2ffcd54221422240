import { Format } from 'typebox/format'
import { INVISIBLE_CHARACTERS } from '../schemas/common.js'

const rfc3339 = Format.Get('date-time')

/**
 * `date-time` as TypeBox checks RFC 3339 (real calendar days, an offset), and an instant that
 * JavaScript and Postgres can represent: RFC 3339 allows a leap second (`23:59:60`), which
 * Date.parse refuses, so such a value passed validation and failed at the database with a
 * misleading 400; so does year 0. Registered when this module is first imported (lib/validator-compiler.ts).
 */
export function isDateTime (value: string): boolean {
  // Year 0 (1 BC) is valid RFC 3339, but Postgres reads no year 0 from text.
  return (rfc3339 === undefined || rfc3339(value)) && !value.startsWith('0000') && !Number.isNaN(Date.parse(value))
}

Format.Set('date-time', isDateTime)

const rfc3339Date = Format.Get('date')

/** `date` as RFC 3339 full-date: a real calendar day, `YYYY-MM-DD`. */
export const isFullDate = (value: string): boolean => rfc3339Date !== undefined && rfc3339Date(value)

/** A dot-atom local part (RFC 5322 without quoted strings) of at most 64 characters (RFC 5321 §4.5.3.1.1). */
const LOCAL_PART = /^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/i
/** A host name of two or more labels of letters, digits and inner hyphens, each at most 63 characters. */
const DOMAIN = /^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/i

/**
 * `email` as an address on the internet: a dot-atom local part of at most 64 characters at a
 * domain with a dot. TypeBox's RFC 5322 check also takes `a@localhost`, IP literals and quoted
 * local parts; the validators SDKs check responses with (ajv-formats, zod) refuse those, so an
 * address this API took would make its own responses fail there.
 */
export function isEmail (value: string): boolean {
  const at = value.lastIndexOf('@')
  const local = value.slice(0, at)
  return at > 0 && local.length <= 64 && LOCAL_PART.test(local) && DOMAIN.test(value.slice(at + 1))
}

Format.Set('email', isEmail)

const VISIBLE_CHARACTER = new RegExp(`[^\\s${INVISIBLE_CHARACTERS}]`, 'u')

/**
 * `visible-text` (schemas/common.ts NotBlankText): a character a person sees, and no NUL, which
 * Postgres refuses in text (a name with one was a database error without a pointer).
 */
export const isVisibleText = (value: string): boolean => VISIBLE_CHARACTER.test(value) && !value.includes('\u0000')

Format.Set('visible-text', isVisibleText)
